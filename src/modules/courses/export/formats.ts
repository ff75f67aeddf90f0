// The export formats and their download paths (served by src/http/use-course-exports.ts).
import { encodeGlobalId } from '../../../lib/global-id.ts';

export const EXPORT_FORMATS = ['json', 'md', 'zip', 'scorm12.zip', 'imscc'] as const;
export type CourseExportFormat = (typeof EXPORT_FORMATS)[number];

export const exportPath = (courseId: number, format: CourseExportFormat) =>
  `/courses/${encodeGlobalId('Course', courseId)}/export.${format}`;
