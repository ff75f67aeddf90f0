// The export mutation: the download links of a course (the files themselves stream from
// GET /courses/:id/export.{json,md,zip,scorm12.zip,imscc}, src/http/use-course-exports.ts).
import { mutation } from '../../../schema/mutations.ts';
import { getCourse } from '../content/service.ts';
import { CourseExportLinksRef } from '../schema.ts';

mutation('exportCourse', {
  type: CourseExportLinksRef,
  scope: 'read',
  description: 'The download links of a course in every format; GET them with the same credentials.',
  ids: { id: 'Course' },
  resolve: async ({ id }, ctx, org) => ((await getCourse(ctx.db, org, id)) ? { courseId: id } : null),
});
