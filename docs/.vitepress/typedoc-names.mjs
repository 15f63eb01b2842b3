// typedoc names an entry point by its path ("coco/src"); users import it as "@rlekit/coco".
import { Converter, ReflectionKind } from 'typedoc';

export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const m of context.project.getReflectionsByKind(ReflectionKind.Module)) {
      const match = /^([\w-]+)\/src$/.exec(m.name);
      if (match) m.name = `@rlekit/${match[1]}`;
    }
  });
}
