/**
 * The test image every rig host gets: a rootfs of Debian's static busybox
 * (all applets as symlinks, `httpd` serving `/www` by default), imported
 * once, saved to a cache keyed by the busybox build, and loaded into every
 * host, so its image id is identical cluster-wide. Nothing is ever pulled:
 * no registry is reachable.
 */

import { RigError, run } from "./_exec.ts";
import type { RigHost } from "./host.ts";

/** Tags of the test image; all point at the same rootfs (for rolling-update tests). */
export const TEST_IMAGE_TAGS = [
  "jaco-test/busybox:1",
  "jaco-test/busybox:2",
  "jaco-test/busybox:3",
] as const;

/** The test image's first tag. */
export const TEST_IMAGE = TEST_IMAGE_TAGS[0];

/** Where the saved image is cached between runs. */
export const DEFAULT_IMAGE_CACHE = "/var/cache/jaco-test";

const BUSYBOX = "/bin/busybox";
// Bump when the rootfs recipe below changes, so stale caches are not reused.
const RECIPE_VERSION = 1;

// httpd in the foreground on :80; `--init` (tini) gives it a PID 1 that
// handles SIGTERM, which busybox httpd as PID 1 ignores.
const IMAGE_CHANGES = [
  'CMD ["httpd", "-f", "-v", "-p", "80", "-h", "/www"]',
  "EXPOSE 80",
  "WORKDIR /",
];

const ROOTFS_FILES: Record<string, string> = {
  "etc/passwd": "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n",
  "etc/group": "root:x:0:\nnogroup:x:65534:\n",
  "www/index.html": "jaco-test busybox\n",
  // CGI: tells a client which container (hostname) answered.
  "www/cgi-bin/whoami": "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\nhostname\n",
};

/** Cache file name: busybox package version + binary digest + recipe version. */
export async function testImageCacheName(): Promise<string> {
  const query = await run(["dpkg-query", "-W", "-f=${Version}", "busybox-static"]);
  const version = query.code === 0
    ? query.stdout.trim().replace(/[^A-Za-z0-9.+-]/g, "_")
    : "unknown";
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", await Deno.readFile(BUSYBOX)),
  );
  const hex = [...digest.slice(0, 6)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `busybox-${version}-${hex}-r${RECIPE_VERSION}.tar`;
}

async function writeRootfsTar(workDir: string): Promise<string> {
  const root = `${workDir}/rootfs`;
  for (const dir of ["bin", "etc", "www/cgi-bin", "tmp", "root", "proc", "sys", "dev"]) {
    await Deno.mkdir(`${root}/${dir}`, { recursive: true });
  }
  await Deno.copyFile(BUSYBOX, `${root}/bin/busybox`);
  await Deno.chmod(`${root}/bin/busybox`, 0o755);
  const applets = await run([BUSYBOX, "--list-full"], { check: true });
  for (const path of applets.stdout.split("\n")) {
    if (!path.includes("/") || path === "bin/busybox") continue;
    await Deno.mkdir(`${root}/${path.slice(0, path.lastIndexOf("/"))}`, { recursive: true });
    await Deno.symlink("/bin/busybox", `${root}/${path}`);
  }
  for (const [path, text] of Object.entries(ROOTFS_FILES)) {
    await Deno.writeTextFile(`${root}/${path}`, text);
  }
  await Deno.chmod(`${root}/www/cgi-bin/whoami`, 0o755);
  await Deno.chmod(`${root}/tmp`, 0o1777);
  const tar = `${workDir}/rootfs.tar`;
  await run(["tar", "-C", root, "--numeric-owner", "--owner=0", "--group=0", "-cf", tar, "."], {
    check: true,
  });
  return tar;
}

/** Imports the rootfs on `host` and saves all tags to `savePath`. */
async function buildImage(host: RigHost, savePath: string): Promise<void> {
  const workDir = await Deno.makeTempDir({ prefix: "jaco-test-image-" });
  try {
    const tar = await writeRootfsTar(workDir);
    const changes = IMAGE_CHANGES.flatMap((change) => ["--change", change]);
    await host.docker(["import", ...changes, tar, TEST_IMAGE_TAGS[0]], { check: true });
    for (const tag of TEST_IMAGE_TAGS.slice(1)) {
      await host.docker(["tag", TEST_IMAGE_TAGS[0], tag], { check: true });
    }
    await host.docker(["save", "-o", savePath, ...TEST_IMAGE_TAGS], { check: true });
  } finally {
    await Deno.remove(workDir, { recursive: true });
  }
}

async function imageId(host: RigHost): Promise<string> {
  const result = await host.docker(["image", "inspect", "-f", "{{.Id}}", TEST_IMAGE], {
    check: true,
  });
  return result.stdout.trim();
}

/**
 * Makes {@linkcode TEST_IMAGE_TAGS} available on every host with the same
 * image id, building and caching the image on first use.
 *
 * @returns the image id
 * @throws {RigError} when building or loading fails or ids differ
 */
export async function installTestImage(hosts: RigHost[], cacheDir: string): Promise<string> {
  await Deno.mkdir(cacheDir, { recursive: true });
  const cached = `${cacheDir}/${await testImageCacheName()}`;
  let source = cached;
  let pending = hosts;
  const haveCache = await Deno.stat(cached).then(() => true, () => false);
  if (!haveCache) {
    // Save under a private name and rename at the end: a concurrent rig may
    // be building too, and each rig must load exactly the image it built.
    source = `${cached}.${Deno.pid}.${crypto.randomUUID().slice(0, 8)}.tmp`;
    await buildImage(hosts[0], source);
    pending = hosts.slice(1);
  }
  try {
    await Promise.all(
      pending.map((host) => host.docker(["load", "-q", "-i", source], { check: true })),
    );
    if (source !== cached) await Deno.rename(source, cached);
  } finally {
    if (source !== cached) await Deno.remove(source).catch(() => {/* renamed: nothing left */});
  }
  const ids = await Promise.all(hosts.map(imageId));
  if (new Set(ids).size !== 1) {
    throw new RigError(`test image ids differ between hosts: ${ids.join(", ")}`);
  }
  return ids[0];
}
