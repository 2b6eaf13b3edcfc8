// Bundles the dashboard for embedding in the server (run by Outpost.Server.csproj's DashboardBundle target):
// src/main.ts (with xterm.js and its CSS) into hashed, immutable files, then index.html naming them.
// Usage: node build.mjs <output directory>
import { build } from "esbuild";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";

const out = path.resolve(process.argv[2] ?? "dist");
await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
const result = await build({
  entryPoints: ["src/main.ts"],
  bundle: true,
  minify: true,
  sourcemap: false,
  format: "esm",
  target: ["chrome120", "firefox120"],
  outdir: path.join(out, "assets"),
  entryNames: "[name]-[hash]",
  assetNames: "[name]-[hash]",
  metafile: true,
  logLevel: "warning",
});
const outputs = Object.keys(result.metafile.outputs).map((file) => path.basename(file));
const script = outputs.find((file) => file.endsWith(".js"));
const style = outputs.find((file) => file.endsWith(".css"));
if (!script || !style) {
  throw new Error(`esbuild wrote ${outputs.join(", ")}: expected one .js and one .css`);
}

const template = await readFile("src/index.html", "utf8");
await writeFile(path.join(out, "index.html"), template.replace("%SCRIPT%", `/assets/${script}`).replace("%STYLE%", `/assets/${style}`));
