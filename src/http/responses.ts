// Early answers of the HTTP plugins, in the GraphQL error shape clients already parse.
export function errorResponse(status: number, message: string, extensions: Record<string, unknown>, headers: Record<string, string> = {}): Response {
  return Response.json({ errors: [{ message, extensions }] }, { status, headers });
}
