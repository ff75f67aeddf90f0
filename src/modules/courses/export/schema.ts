// The export mutation: the download links of a course (the files themselves stream from
// GET /courses/:id/export.{json,md,zip,scorm12.zip,imscc}, src/http/use-course-exports.ts).
import { organizationOf } from '../../../context.ts';
import { NotFoundError } from '../../../lib/errors.ts';
import { builder, mutationErrors } from '../../../schema/builder.ts';
import { inputId } from '../../../schema/common.ts';
import { getCourse } from '../content/service.ts';
import { CourseExportLinksRef } from '../schema.ts';

builder.mutationFields((t) => ({
  exportCourse: t.field({
    type: CourseExportLinksRef,
    authScopes: { read: true },
    errors: mutationErrors,
    description: 'The download links of a course in every format; GET them with the same credentials.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => {
      const courseId = inputId(String(id), 'Course', 'id');
      const course = await getCourse(ctx.db, organizationOf(ctx), courseId);
      if (!course) throw new NotFoundError('Course', String(id));
      return { courseId };
    },
  }),
}));
