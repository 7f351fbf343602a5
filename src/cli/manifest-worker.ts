import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { manifestFilename, manifestWorkbook, RouteManifest } from '../modules/distribution/route-dispatch';

/** export:manifests's helper thread: writes its share of the round's workbooks, says how many bytes. */
(async () => {
  const { manifests, out } = workerData as { manifests: RouteManifest[]; out: string };
  let bytes = 0;
  for (const m of manifests) {
    const { content } = await manifestWorkbook(m);
    fs.writeFileSync(path.join(out, manifestFilename(m)), content);
    bytes += content.length;
  }
  parentPort!.postMessage(bytes);
})();
