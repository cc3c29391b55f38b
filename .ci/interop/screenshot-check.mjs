// The dashboard's screenshot check (.ci/dashboard.sh).
//
//   node screenshot-check.mjs wait URL EPOCH   waits (180 s at most) until the dashboard's JSON
//                                              at URL is at EPOCH or later
//   node screenshot-check.mjs check FILE.png   fails unless the screenshot shows a page: enough
//                                              pixels that are not the background, in enough
//                                              colours, spread over the image
//
// The PNG is decoded with pngjs (pinned in .ci/package.json).

import { readFileSync } from "node:fs";

import pngjs from "pngjs";

const { PNG } = pngjs;

function fail(message) {
  console.error(`FAIL  ${message}`);
  process.exit(1);
}

async function wait(url, epoch) {
  const deadline = Date.now() + 180_000;
  let last = "no answer";
  while (Date.now() < deadline) {
    try {
      const answer = await fetch(url);
      if (answer.ok) {
        const dashboard = await answer.json();
        if (dashboard.epoch >= epoch) {
          console.log(`ok    the dashboard is at epoch ${dashboard.epoch}`);
          return;
        }
        last = `epoch ${dashboard.epoch}`;
      } else {
        last = `status ${answer.status}`;
      }
    } catch (error) {
      last = String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  fail(`the dashboard did not reach epoch ${epoch} within 180 s (last: ${last})`);
}

function check(file) {
  const png = PNG.sync.read(readFileSync(file));
  const { width, height, data } = png;
  // The background is the most frequent colour; count the rest, by colour and by band.
  const counts = new Map();
  for (let i = 0; i < data.length; i += 4) {
    const key = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const [background] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0];
  const bands = 10;
  const inked = new Array(bands).fill(0);
  let ink = 0;
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const i = (y * width + x) * 4;
      const key = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
      if (key !== background) {
        ink += 1;
        inked[Math.floor((y * bands) / height)] += 1;
      }
    }
  }
  const share = ink / (width * height);
  const colours = counts.size;
  const bandsWithInk = inked.filter((count) => count > (width * height) / bands / 100).length;
  console.log(
    `ok    ${file}: ${width}x${height}, ${(share * 100).toFixed(1)}% not background, ${colours} colours, ink in ${bandsWithInk} of ${bands} bands`,
  );
  if (width < 800 || height < 800) fail(`the screenshot is ${width}x${height}`);
  if (share < 0.05) fail("the screenshot is blank (under 5% of it differs from the background)");
  if (colours < 16) fail(`the screenshot has ${colours} colours: no charts`);
  if (bandsWithInk < 5) fail(`only ${bandsWithInk} of ${bands} horizontal bands have content`);
}

const [command, ...rest] = process.argv.slice(2);
if (command === "wait" && rest.length === 2) {
  await wait(rest[0], Number(rest[1]));
} else if (command === "check" && rest.length === 1) {
  check(rest[0]);
} else {
  fail("usage: screenshot-check.mjs wait URL EPOCH | check FILE.png");
}
