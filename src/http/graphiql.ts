// The operations GraphiQL opens with, so a newcomer can run something at once.
export const EXAMPLE_OPERATIONS = `# Welcome to the Harvest Graph API.
#
# 1. Sign in: run "SignIn" below with the demo user printed by \`npm start\`,
#    then add a header (Headers tab, bottom left):  {"Authorization": "Bearer <token>"}
#    Or use the demo API key printed by \`npm start\` as the bearer token instead.
# 2. Pick an operation from the run button's menu.

mutation SignIn {
  signIn(email: "demo@harvest.example", password: "demo-password-123") {
    __typename
    ... on MutationSignInSuccess { data { token expiresAt user { name } } }
    ... on Error { message }
  }
}

query Viewer {
  viewer { tier scopes organization { name slug } user { name email } }
}

query RecentBatches {
  batches(first: 10, orderBy: INTAKE_DATE_DESC) {
    edges {
      node {
        id code fruitType status intakeDate grossWeightKg
        grower { name } packhouse { name }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}

query GrowersWithBatches {
  growers(first: 5) {
    edges {
      node {
        name
        batches(first: 3) { edges { node { code status intakeDate packhouse { name } } } }
      }
    }
  }
}

query BatchHistory {
  batches(first: 5) {
    edges { node { code status history(first: 5) { edges { node { kind fromStatus toStatus toNetWeightKg actor { kind } recordedAt } } } } }
  }
}

query Reconciliation {
  reconciliation(from: "2024-07-01", to: "2024-12-31", currency: "NZD", threshold: "1000", first: 10) {
    edges { node { grower { name } batches deliveredValue paid variance unpricedBatches } }
    pageInfo { hasNextPage endCursor }
  }
}

query DailyIntake {
  dailyIntake(from: "2024-03-01", to: "2024-03-31", first: 20) {
    refreshedAt
    edges { node { day grower { name } batches grossWeightKg netWeightKg } }
  }
}

mutation CreateGrower {
  createGrower(input: { code: "G-NEW-1", name: "New Orchard Ltd", region: "Hawke's Bay" }) {
    __typename
    ... on MutationCreateGrowerSuccess { data { id name } }
    ... on ValidationError { field message }
  }
}

query Courses {
  courses(first: 5) {
    edges { node { id title status modules(first: 10) { edges { node { title lessons(first: 10) { edges { node { title estimatedMinutes } } } } } } } }
  }
}

mutation GenerateCourse {
  generateCourse(input: { topic: "Bee-friendly orchards", audience: "growers", modules: 5, lessonsPerModule: 4 }) {
    __typename
    ... on MutationGenerateCourseSuccess { data { id status queuePosition course { id } } }
    ... on Error { message }
  }
}
`;
