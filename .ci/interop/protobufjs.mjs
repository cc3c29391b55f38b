// Interoperability check of the HTTP transport with a protobuf client of another toolchain.
//
// protobufjs (JavaScript, installed by npm from .ci/package.json) loads the schemas under proto/,
// reads the golden messages this library wrote, writes them again itself and sends them to a
// running `mithril-compat serve --http`; it then decodes what the server answers, error bodies
// included. A server that only prost-generated code could talk to would fail here.
//
// Usage: node .ci/interop/protobufjs.mjs http://127.0.0.1:PORT/aggregator
//
// One line per check; the first failure ends the run with a non-zero exit code.

import { readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

import protobuf from "protobufjs";

const REPOSITORY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const PROTO_ROOT = path.join(REPOSITORY, "proto");
const GOLDEN = path.join(REPOSITORY, "tests", "golden", "HEAD");

const VERSIONS = [1, 2];
// One golden signature per version, each of its own signed entity type: the server keeps a
// signature once and answers a repeat with 201 too, so the same one twice would prove less. v2's
// is of the type v1 cannot carry.
const SIGNATURES = {
  1: "single_signature_cardano_transactions.bin",
  2: "single_signature_cardano_blocks_transactions.bin",
};
const PROTOBUF_TYPES = ["application/x-protobuf", "application/protobuf"];
const STATUS_MESSAGE = "google.rpc.Status";
const INVALID_ARGUMENT = 3;
const REQUEST_TIMEOUT_MS = 10_000;

class CheckFailed extends Error {}

function fail(message) {
  throw new CheckFailed(message);
}

function ok(message) {
  console.log(`ok    ${message}`);
}

/** The full name of a protobufjs type, without its leading dot. */
function nameOf(type) {
  return type.fullName.replace(/^\./, "");
}

// --- the schemas --------------------------------------------------------------------------------

/** Our signer packages, loaded the way buf and protoc see them: imports relative to proto/. */
function loadSchemas() {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) =>
    path.isAbsolute(target) ? target : path.join(PROTO_ROOT, target);
  const files = VERSIONS.flatMap((version) => {
    const directory = `mithril/signer/v${version}`;
    return readdirSync(path.join(PROTO_ROOT, directory))
      .filter((name) => name.endsWith(".proto"))
      .sort()
      .map((name) => `${directory}/${name}`);
  });
  try {
    root.loadSync(files, { keepCase: true });
    root.resolveAll();
  } catch (error) {
    fail(`protobufjs cannot load ${PROTO_ROOT}: ${error.message}`);
  }
  ok(`protobufjs loads ${files.length} files of proto/ (imports relative to proto/)`);
  return root;
}

/** google.rpc.Status, the protobuf error body, defined here with the reflection API. */
function statusType() {
  const root = new protobuf.Root();
  const any = new protobuf.Type("Any")
    .add(new protobuf.Field("type_url", 1, "string"))
    .add(new protobuf.Field("value", 2, "bytes"));
  const status = new protobuf.Type("Status")
    .add(new protobuf.Field("code", 1, "int32"))
    .add(new protobuf.Field("message", 2, "string"))
    .add(new protobuf.Field("details", 3, "google.protobuf.Any", "repeated"));
  root.define("google.protobuf").add(any);
  root.define("google.rpc").add(status);
  root.resolveAll();
  return root.lookupType(STATUS_MESSAGE);
}

// --- HTTP ---------------------------------------------------------------------------------------

function protobufContentType(name) {
  return `application/x-protobuf; proto=${name}`;
}

/** The media type and the `proto` parameter of a Content-Type. */
function parseContentType(text) {
  const [media, ...parameters] = (text ?? "").split(";");
  let proto;
  for (const parameter of parameters) {
    const [key, ...rest] = parameter.split("=");
    if (key.trim().toLowerCase() === "proto") {
      proto = rest.join("=").trim().replace(/^"(.*)"$/, "$1");
    }
  }
  return { media: media.trim().toLowerCase(), proto };
}

async function request(url, init = {}) {
  let response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (error) {
    fail(`${init.method ?? "GET"} ${url}: ${error.cause?.message ?? error.message}`);
  }
  const body = new Uint8Array(await response.arrayBuffer());
  return { status: response.status, contentType: response.headers.get("content-type"), body };
}

/** What an unexpected answer said, for the failure message. */
function describeAnswer(answer, status) {
  const { media, proto } = parseContentType(answer.contentType);
  if (PROTOBUF_TYPES.includes(media) && proto === STATUS_MESSAGE) {
    try {
      const decoded = status.decode(answer.body);
      return `google.rpc.Status code ${decoded.code}: ${decoded.message}`;
    } catch (error) {
      return `undecodable google.rpc.Status (${error.message})`;
    }
  }
  const text = Buffer.from(answer.body).toString("utf8");
  return `${answer.contentType ?? "no content type"}: ${text.slice(0, 300) || "(empty body)"}`;
}

// --- the checks ---------------------------------------------------------------------------------

/** A golden message read and written again by protobufjs. */
function reencodeGolden(type, file) {
  const golden = readFileSync(path.join(GOLDEN, file));
  let decoded;
  try {
    decoded = type.decode(golden);
  } catch (error) {
    fail(`${nameOf(type)}: protobufjs cannot decode ${file}: ${error.message}`);
  }
  const invalid = type.verify(decoded);
  if (invalid !== null) {
    fail(`${nameOf(type)}: ${file} decodes but does not verify: ${invalid}`);
  }
  // Rebuilt from plain values, as a JavaScript client builds its messages.
  const plain = type.toObject(decoded);
  const rebuilt = type.fromObject(plain);
  const bytes = type.encode(rebuilt).finish();
  // Same bytes: protobufjs knew every field of the golden (unknown fields are dropped on decode).
  if (Buffer.compare(Buffer.from(bytes), golden) !== 0) {
    fail(
      `${nameOf(type)}: protobufjs re-encodes ${file} to ${bytes.length} bytes ` +
        `that differ from the golden's ${golden.length}`,
    );
  }
  ok(
    `${nameOf(type)}: golden ${file} decodes, verifies and re-encodes ` +
      `to the same ${bytes.length} bytes (party ${plain.party_id})`,
  );
  return bytes;
}

async function postProtobuf(base, route, type, bytes, status) {
  const name = nameOf(type);
  const answer = await request(`${base}/${route}`, {
    method: "POST",
    headers: { "content-type": protobufContentType(name) },
    body: bytes,
  });
  if (answer.status !== 201) {
    fail(`POST /${route} (${name}): expected 201, got ${answer.status}: ${describeAnswer(answer, status)}`);
  }
  if (answer.body.length !== 0) {
    fail(`POST /${route} (${name}): 201 with a ${answer.body.length}-byte body, expected none`);
  }
  ok(`POST /${route} (${name}, ${bytes.length} bytes from protobufjs) -> 201`);
}

async function getEpochSettings(base, type, status) {
  const name = nameOf(type);
  const answer = await request(`${base}/epoch-settings`, {
    headers: { accept: protobufContentType(name) },
  });
  if (answer.status !== 200) {
    fail(`GET /epoch-settings (${name}): expected 200, got ${answer.status}: ${describeAnswer(answer, status)}`);
  }
  const { media, proto } = parseContentType(answer.contentType);
  if (!PROTOBUF_TYPES.includes(media) || proto !== name) {
    fail(`GET /epoch-settings: content type ${JSON.stringify(answer.contentType)} does not name ${name}`);
  }
  let settings;
  try {
    settings = type.decode(answer.body);
  } catch (error) {
    fail(`GET /epoch-settings: protobufjs cannot decode the ${answer.body.length}-byte ${name}: ${error.message}`);
  }
  const invalid = type.verify(settings);
  if (invalid !== null) {
    fail(`GET /epoch-settings: the ${name} answered does not verify: ${invalid}`);
  }
  const current = settings.current_signers.length;
  const next = settings.next_signers.length;
  if (current === 0 || next === 0) {
    fail(`GET /epoch-settings: ${name} has ${current} current and ${next} next signers, expected some of each`);
  }
  ok(
    `GET /epoch-settings (Accept ${name}) -> 200 ${answer.contentType}, ` +
      `epoch ${settings.epoch}, ${current} current and ${next} next signers`,
  );
}

async function postGarbage(base, type, status) {
  const name = nameOf(type);
  // Wire type 7 does not exist: no protobuf decoder can read this.
  const garbage = Uint8Array.of(0x0f, 0xde, 0xad, 0xbe, 0xef, 0xff, 0xff);
  try {
    type.decode(garbage);
    fail(`the garbage bytes decode as ${name} in protobufjs; the check needs bytes no decoder reads`);
  } catch (error) {
    if (error instanceof CheckFailed) throw error;
  }
  const answer = await request(`${base}/register-signer`, {
    method: "POST",
    headers: { "content-type": protobufContentType(name) },
    body: garbage,
  });
  if (answer.status !== 400) {
    fail(`POST /register-signer (garbage as ${name}): expected 400, got ${answer.status}: ${describeAnswer(answer, status)}`);
  }
  const { media, proto } = parseContentType(answer.contentType);
  if (!PROTOBUF_TYPES.includes(media) || proto !== STATUS_MESSAGE) {
    fail(
      `POST /register-signer (garbage as ${name}): error content type ` +
        `${JSON.stringify(answer.contentType)}, expected ${protobufContentType(STATUS_MESSAGE)}`,
    );
  }
  let decoded;
  try {
    decoded = status.decode(answer.body);
  } catch (error) {
    fail(`POST /register-signer (garbage): the error body is not a google.rpc.Status: ${error.message}`);
  }
  if (decoded.code !== INVALID_ARGUMENT) {
    fail(`POST /register-signer (garbage): google.rpc.Status code ${decoded.code}, expected ${INVALID_ARGUMENT} (INVALID_ARGUMENT)`);
  }
  if (!decoded.message) {
    fail("POST /register-signer (garbage): google.rpc.Status has an empty message");
  }
  const details = decoded.details.map((detail) => detail.type_url).join(", ") || "no details";
  ok(
    `POST /register-signer (garbage as ${name}) -> 400 google.rpc.Status ` +
      `code ${decoded.code} INVALID_ARGUMENT, "${decoded.message}" [${details}]`,
  );
}

async function getFeatures(base, status) {
  const answer = await request(`${base}/`, { headers: { accept: "application/json" } });
  if (answer.status !== 200) {
    fail(`GET / (JSON): expected 200, got ${answer.status}: ${describeAnswer(answer, status)}`);
  }
  if (parseContentType(answer.contentType).media !== "application/json") {
    fail(`GET / (JSON): content type ${JSON.stringify(answer.contentType)}, expected application/json`);
  }
  let features;
  try {
    features = JSON.parse(Buffer.from(answer.body).toString("utf8"));
  } catch (error) {
    fail(`GET / (JSON): the body is not JSON: ${error.message}`);
  }
  const served = features?.capabilities?.wire_versions;
  if (!Array.isArray(served)) {
    fail(`GET / (JSON): no capabilities.wire_versions in ${JSON.stringify(features)}`);
  }
  const missing = VERSIONS.filter((version) => !served.includes(version));
  if (missing.length > 0) {
    fail(`GET / (JSON): capabilities.wire_versions ${JSON.stringify(served)} lacks ${missing.join(", ")}`);
  }
  ok(`GET / (JSON) -> 200, capabilities.wire_versions ${JSON.stringify(served)}`);
}

async function main() {
  const argument = process.argv[2];
  if (!argument || process.argv.length > 3 || !/^https?:\/\//.test(argument)) {
    console.error("usage: node .ci/interop/protobufjs.mjs http://127.0.0.1:PORT/aggregator");
    process.exit(2);
  }
  const base = argument.replace(/\/+$/, "");
  const protobufjsVersion = createRequire(import.meta.url)("protobufjs/package.json").version;
  console.log(`protobufjs ${protobufjsVersion} against ${base}`);
  const schemas = loadSchemas();
  const status = statusType();

  await getFeatures(base, status);
  for (const version of VERSIONS) {
    const lookup = (message) => {
      const name = `mithril.signer.v${version}.${message}`;
      try {
        return schemas.lookupType(name);
      } catch (error) {
        fail(`proto/ has no message ${name}: ${error.message}`);
      }
    };
    const directory = `v${version}`;

    const registration = lookup("SignerRegistration");
    const registrationBytes = reencodeGolden(registration, `${directory}/signer_registration.bin`);
    await postProtobuf(base, "register-signer", registration, registrationBytes, status);

    const signature = lookup("SingleSignature");
    const signatureBytes = reencodeGolden(signature, `${directory}/${SIGNATURES[version]}`);
    await postProtobuf(base, "register-signatures", signature, signatureBytes, status);

    await getEpochSettings(base, lookup("EpochSettings"), status);
    await postGarbage(base, registration, status);
  }
  console.log("protobufjs interop: every check passed");
}

main().catch((error) => {
  if (error instanceof CheckFailed) {
    console.error(`FAIL  ${error.message}`);
  } else {
    console.error("FAIL  unexpected error:", error);
  }
  process.exit(1);
});
