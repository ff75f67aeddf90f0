// imsmanifest.xml for the two packages LMSs import: SCORM 1.2 (IMS CP 1.1.2 + ADL extensions) and
// IMS Common Cartridge 1.1 (web-content resources). Built from the course outline (titles and ids,
// no lesson bodies), so the manifest can lead the archive while the lessons stream behind it.
// Checked against the schemas in ./schemas by export.test.ts with xmllint.
import { escapeXml } from '../../../lib/xlsx-writer.ts';

export type ManifestLesson = { id: number; title: string; href: string };
export type ManifestModule = { id: number; title: string; lessons: ManifestLesson[] };
export type ManifestCourse = { id: number; title: string; summary: string | null; modules: ManifestModule[] };

const XML = '<?xml version="1.0" encoding="UTF-8"?>\n';
const x = escapeXml;

/**
 * The organization's <item> tree, a module's item at `pad` holding an item per lesson; each format
 * names its items (and whatever else it marks them with) in `moduleAttrs` and `lessonAttrs`.
 */
function itemTree(
  course: ManifestCourse,
  pad: string,
  moduleAttrs: (m: ManifestModule) => string,
  lessonAttrs: (l: ManifestLesson) => string,
): string {
  return course.modules
    .map((m) => {
      const lessons = m.lessons
        .map((l) => `${pad}  <item ${lessonAttrs(l)}><title>${x(l.title)}</title></item>`)
        .join('\n');
      return `${pad}<item ${moduleAttrs(m)}>\n${pad}  <title>${x(m.title)}</title>\n${lessons}\n${pad}</item>`;
    })
    .join('\n');
}

/** A web-content <resource> per lesson (its attributes before href in `attrs`), each depending on the style sheet's. */
function lessonResources(course: ManifestCourse, attrs: (l: ManifestLesson) => string, styleId: string): string {
  return course.modules
    .flatMap((m) => m.lessons)
    .map(
      (l) =>
        `    <resource ${attrs(l)} href="${x(l.href)}">\n      <file href="${x(l.href)}"/>\n      <dependency identifierref="${styleId}"/>\n    </resource>`,
    )
    .join('\n');
}

/** SCORM 1.2: one organization, an item per module holding an item per lesson, one SCO-less asset resource per lesson. */
export function scorm12Manifest(course: ManifestCourse): string {
  const items = itemTree(
    course,
    '      ',
    (m) => `identifier="ITEM-M${m.id}" isvisible="true"`,
    (l) => `identifier="ITEM-L${l.id}" identifierref="RES-L${l.id}" isvisible="true"`,
  );
  const resources = lessonResources(
    course,
    (l) => `identifier="RES-L${l.id}" type="webcontent" adlcp:scormtype="asset"`,
    'RES-STYLE',
  );
  return `${XML}<manifest identifier="COURSE-${course.id}" version="1.0"
  xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xsi:schemaLocation="http://www.imsproject.org/xsd/imscp_rootv1p1p2 imscp_rootv1p1p2.xsd http://www.adlnet.org/xsd/adlcp_rootv1p2 adlcp_rootv1p2.xsd">
  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>1.2</schemaversion>
  </metadata>
  <organizations default="ORG-${course.id}">
    <organization identifier="ORG-${course.id}">
      <title>${x(course.title)}</title>
${items}
    </organization>
  </organizations>
  <resources>
    <resource identifier="RES-STYLE" type="webcontent" adlcp:scormtype="asset">
      <file href="style.css"/>
    </resource>
${resources}
  </resources>
</manifest>
`;
}

/** IMS Common Cartridge 1.1: a rooted hierarchy (root → modules → lessons), web-content resources, LOM title and description. */
export function commonCartridgeManifest(course: ManifestCourse): string {
  const items = itemTree(
    course,
    '        ',
    (m) => `identifier="I_M${m.id}"`,
    (l) => `identifier="I_L${l.id}" identifierref="R_L${l.id}"`,
  );
  const resources = lessonResources(course, (l) => `identifier="R_L${l.id}" type="webcontent"`, 'R_STYLE');
  const description = course.summary
    ? `\n        <lomimscc:description><lomimscc:string language="en">${x(course.summary)}</lomimscc:string></lomimscc:description>`
    : '';
  return `${XML}<manifest identifier="M_COURSE_${course.id}"
  xmlns="http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
  xmlns:lomimscc="http://ltsc.ieee.org/xsd/imsccv1p1/LOM/manifest"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xsi:schemaLocation="http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1 http://www.imsglobal.org/profile/cc/ccv1p1/ccv1p1_imscp_v1p2_v1p0.xsd http://ltsc.ieee.org/xsd/imsccv1p1/LOM/manifest http://www.imsglobal.org/profile/cc/ccv1p1/LOM/ccv1p1_lommanifest_v1p0.xsd">
  <metadata>
    <schema>IMS Common Cartridge</schema>
    <schemaversion>1.1.0</schemaversion>
    <lomimscc:lom>
      <lomimscc:general>
        <lomimscc:title><lomimscc:string language="en">${x(course.title)}</lomimscc:string></lomimscc:title>${description}
      </lomimscc:general>
    </lomimscc:lom>
  </metadata>
  <organizations>${
    course.modules.length
      ? `
    <organization identifier="O_${course.id}" structure="rooted-hierarchy">
      <item identifier="I_ROOT">
${items}
      </item>
    </organization>
  `
      : ''
  }</organizations>
  <resources>
    <resource identifier="R_STYLE" type="webcontent">
      <file href="style.css"/>
    </resource>
${resources}
  </resources>
</manifest>
`;
}
