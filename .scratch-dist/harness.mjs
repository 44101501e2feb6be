// src/testing/start-mock-server.ts
import { createServer } from "node:http";

// src/testing/mock-request-handler.ts
import { performance as performance2 } from "node:perf_hooks";

// src/testing/read-chat-request.ts
var TEXT_OUTPUT = { kind: "text" };
function readOpenAIRequest(body) {
  if (!isRecord(body)) return "The request body must be a JSON object.";
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) return "messages: expected a non-empty array.";
  const conversation = readMessages(messages);
  if (typeof conversation === "string") return conversation;
  const limit = body.max_completion_tokens ?? body.max_tokens;
  if (limit !== void 0 && limit !== null && !isPositiveInteger(limit)) {
    return `${body.max_completion_tokens === void 0 ? "max_tokens" : "max_completion_tokens"}: expected a positive integer.`;
  }
  let output = TEXT_OUTPUT;
  const format = body.response_format;
  if (isRecord(format)) {
    if (format.type === "json_schema") {
      const spec = format.json_schema;
      if (!isRecord(spec) || !isRecord(spec.schema)) return "response_format.json_schema.schema: expected an object.";
      output = { kind: "json", schema: spec.schema };
    } else if (format.type === "json_object") {
      output = { kind: "json", schema: void 0 };
    }
  }
  const streamOptions = body.stream_options;
  return {
    key: conversation.key,
    model: typeof body.model === "string" && body.model !== "" ? body.model : void 0,
    stream: body.stream === true,
    includeUsage: isRecord(streamOptions) && streamOptions.include_usage === true,
    maxTokens: typeof limit === "number" ? limit : void 0,
    inputTokens: conversation.tokens,
    output,
    prefill: conversation.prefill
  };
}
function readAnthropicRequest(body) {
  if (!isRecord(body)) return "The request body must be a JSON object.";
  if (body.max_tokens === void 0) return "max_tokens: Field required";
  if (!isPositiveInteger(body.max_tokens)) return "max_tokens: expected a positive integer.";
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) return "messages: expected a non-empty array.";
  const conversation = readMessages(messages);
  if (typeof conversation === "string") return conversation;
  const system = body.system === void 0 ? "" : contentText(body.system);
  let output = TEXT_OUTPUT;
  const choice = body.tool_choice;
  if (isRecord(choice) && (choice.type === "tool" || choice.type === "any")) {
    const tools = Array.isArray(body.tools) ? body.tools : [];
    const tool = tools.find((candidate) => isRecord(candidate) && (choice.type === "any" || candidate.name === choice.name));
    if (tool === void 0 || typeof tool.name !== "string") {
      return choice.type === "tool" ? `tool_choice.name: no tool named ${JSON.stringify(choice.name)} in tools.` : "tools: expected at least one tool.";
    }
    output = { kind: "tool", name: tool.name, schema: tool.input_schema };
  } else if (isRecord(body.output_format) && body.output_format.type === "json_schema") {
    output = { kind: "json", schema: body.output_format.schema };
  }
  return {
    key: conversation.key,
    model: typeof body.model === "string" && body.model !== "" ? body.model : void 0,
    stream: body.stream === true,
    includeUsage: true,
    maxTokens: body.max_tokens,
    inputTokens: conversation.tokens + (system === "" ? 0 : 4 + Math.ceil(system.length / 4)),
    output,
    prefill: conversation.prefill
  };
}
function readMessages(messages) {
  let tokens = 3;
  let key;
  let lastText = "";
  for (let index = 0; index < messages.length; index++) {
    const message = messages[index];
    if (!isRecord(message) || typeof message.role !== "string") return `messages[${index}]: expected an object with a role.`;
    const text = contentText(message.content);
    tokens += 4 + Math.ceil(text.length / 4);
    if (message.role === "user") key = text;
    lastText = text;
  }
  const last = messages[messages.length - 1];
  const prefill = last.role === "assistant" ? lastText : "";
  return { key: key ?? lastText, tokens, prefill };
}
function contentText(content) {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  let text = "";
  for (const part of content) {
    if (isRecord(part) && typeof part.text === "string") text += part.text;
    else if (isRecord(part) && typeof part.content === "string") text += part.content;
  }
  return text;
}
function isRecord(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
function isPositiveInteger(value) {
  return typeof value === "number" && Number.isInteger(value) && value > 0;
}

// src/testing/wire-format.ts
function groupPieces(pieces, size) {
  if (size === 1) return pieces;
  const groups = [];
  for (let index = 0; index < pieces.length; index += size) groups.push(pieces.slice(index, index + size).join(""));
  return groups;
}
function repeatToBlock(text) {
  return Buffer.from(text.repeat(Math.ceil(65536 / text.length)));
}

// src/testing/anthropic-wire.ts
var ERROR_TYPES = {
  400: "invalid_request_error",
  401: "authentication_error",
  402: "billing_error",
  403: "permission_error",
  404: "not_found_error",
  405: "invalid_request_error",
  413: "request_too_large",
  429: "rate_limit_error",
  504: "timeout_error",
  529: "overloaded_error"
};
var anthropicWire = {
  provider: "anthropic",
  requestIdHeader: "request-id",
  read: readAnthropicRequest,
  completion(answer) {
    const { request } = answer;
    const text = answer.pieces.join("");
    const block = request.output.kind === "tool" ? `{"type":"tool_use","id":"${answer.toolId}","name":${JSON.stringify(request.output.name)},"input":${answer.finish === "stop" && text !== "" ? text : "{}"}}` : `{"type":"text","text":${JSON.stringify(text)}}`;
    return `{"id":"${answer.id}","type":"message","role":"assistant","model":${JSON.stringify(answer.model)},"content":[${block}],"stop_reason":"${stopReason(answer)}","stop_sequence":null,"usage":{"input_tokens":${request.inputTokens},"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":${answer.pieces.length}}}`;
  },
  stream(answer, chunkTokens) {
    const { request } = answer;
    const tool = request.output.kind === "tool";
    const startBlock = tool ? `{"type":"tool_use","id":"${answer.toolId}","name":${JSON.stringify(request.output.kind === "tool" ? request.output.name : "")},"input":{}}` : '{"type":"text","text":""}';
    const head = `event: message_start
data: {"type":"message_start","message":{"id":"${answer.id}","type":"message","role":"assistant","model":${JSON.stringify(answer.model)},"content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":${request.inputTokens},"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1}}}

event: content_block_start
data: {"type":"content_block_start","index":0,"content_block":${startBlock}}

event: ping
data: {"type": "ping"}

`;
    const deltaPrefix = tool ? 'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":' : 'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":';
    const content = groupPieces(answer.pieces, chunkTokens).map((text) => `${deltaPrefix}${JSON.stringify(text)}}}

`);
    const tail = `event: content_block_stop
data: {"type":"content_block_stop","index":0}

event: message_delta
data: {"type":"message_delta","delta":{"stop_reason":"${stopReason(answer)}","stop_sequence":null},"usage":{"output_tokens":${answer.pieces.length}}}

event: message_stop
data: {"type":"message_stop"}

`;
    return { head, content, tail };
  },
  errorBody(status, message) {
    return `{"type":"error","error":{"type":"${ERROR_TYPES[status] ?? "api_error"}","message":${JSON.stringify(message)}}}`;
  },
  addRateLimitHeaders(headers, snapshot) {
    const now = Date.now();
    if (snapshot.requestsLimit !== void 0) {
      headers["anthropic-ratelimit-requests-limit"] = String(snapshot.requestsLimit);
      headers["anthropic-ratelimit-requests-remaining"] = String(snapshot.requestsRemaining);
      headers["anthropic-ratelimit-requests-reset"] = new Date(now + snapshot.requestsResetMs).toISOString();
    }
    if (snapshot.tokensLimit !== void 0) {
      headers["anthropic-ratelimit-tokens-limit"] = String(snapshot.tokensLimit);
      headers["anthropic-ratelimit-tokens-remaining"] = String(snapshot.tokensRemaining);
      headers["anthropic-ratelimit-tokens-reset"] = new Date(now + snapshot.tokensResetMs).toISOString();
    }
  },
  malformedJson: '{"id":"msg_malformed","type":"message","role":"assistant","content":[{"type":"text","text":"Re: unterminated',
  malformedStream: 'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_malformed","type":"message"\n\n',
  endlessStreamHead: 'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_endless","type":"message","role":"assistant","model":"mock-model","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":1,"output_tokens":1}}}\n\nevent: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n',
  endlessStreamBlock: repeatToBlock(
    'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" endless"}}\n\n'
  )
};
function stopReason(answer) {
  if (answer.finish === "length") return "max_tokens";
  return answer.request.output.kind === "tool" ? "tool_use" : "end_turn";
}

// src/testing/create-seeded-random.ts
function createSeededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = state + 1831565813 >>> 0;
    let value = state;
    value = Math.imul(value ^ value >>> 15, value | 1);
    value ^= value + Math.imul(value ^ value >>> 7, value | 61);
    return ((value ^ value >>> 14) >>> 0) / 4294967296;
  };
}

// src/testing/fault-kinds.ts
var FAULT_KINDS = [
  "400",
  "401",
  "402",
  "403",
  "429",
  "429-no-retry-after",
  "500",
  "502",
  "503",
  "504",
  "529",
  "reset",
  "hang",
  "midstream-drop",
  "malformed-json",
  "malformed-sse",
  "truncated-body",
  "wrong-content-type",
  "html-error",
  "endless-body"
];
var KIND_SET = new Set(FAULT_KINDS);
function isFaultKind(value) {
  return KIND_SET.has(value);
}

// src/testing/hash-string.ts
function hashString(text, seed = 2166136261) {
  let hash = seed >>> 0;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 16777619);
  }
  return hash >>> 0;
}
function mixHash(a, b) {
  let hash = (a ^ Math.imul(b, 2654435761)) >>> 0;
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 2246822507);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 3266489909);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

// src/testing/json-from-schema.ts
var MAX_DEPTH = 6;
var WORDS = ["alpha", "bravo", "cedar", "delta", "ember", "fjord", "gamma", "harbor", "iris", "jade", "kepler", "lumen"];
function jsonFromSchema(schema, hash) {
  const generation = { root: schema, state: hash | 1 };
  return generate(schema, generation, 0, "value");
}
function generate(schema, generation, depth, name) {
  if (schema === true || schema === void 0 || schema === null) return `${name} ${pick(generation, WORDS)}`;
  if (typeof schema !== "object" || Array.isArray(schema)) return null;
  const node = schema;
  if (typeof node.$ref === "string") {
    if (depth > MAX_DEPTH * 2) return null;
    return generate(resolveRef(generation.root, node.$ref), generation, depth + 1, name);
  }
  if ("const" in node) return node.const;
  if (Array.isArray(node.enum) && node.enum.length > 0) return pick(generation, node.enum);
  const branches = Array.isArray(node.anyOf) ? node.anyOf : Array.isArray(node.oneOf) ? node.oneOf : void 0;
  if (branches !== void 0 && branches.length > 0) {
    const branch = branches.find((candidate) => !isNullSchema(candidate)) ?? branches[0];
    return generate(branch, generation, depth + 1, name);
  }
  if (Array.isArray(node.allOf) && node.allOf.length > 0) {
    const parts = node.allOf.map((part) => generate(part, generation, depth + 1, name));
    if (parts.every((part) => typeof part === "object" && part !== null && !Array.isArray(part))) {
      return Object.assign({}, ...parts);
    }
    return parts[0];
  }
  switch (typeOf(node)) {
    case "object":
      return generateObject(node, generation, depth);
    case "array":
      return generateArray(node, generation, depth, name);
    case "integer":
      return generateNumber(node, generation, true);
    case "number":
      return generateNumber(node, generation, false);
    case "boolean":
      return (next(generation) & 1) === 1;
    case "null":
      return null;
    default:
      return generateString(node, generation, name);
  }
}
function typeOf(node) {
  const type = node.type;
  if (typeof type === "string") return type;
  if (Array.isArray(type)) return type.find((entry) => entry !== "null") ?? "null";
  if (typeof node.properties === "object") return "object";
  if (node.items !== void 0 || node.prefixItems !== void 0) return "array";
  return "string";
}
function generateObject(node, generation, depth) {
  const out = {};
  const properties = node.properties;
  if (typeof properties !== "object" || properties === null) return out;
  const required = new Set(Array.isArray(node.required) ? node.required : Object.keys(properties));
  for (const [key, value] of Object.entries(properties)) {
    if (depth >= MAX_DEPTH && !required.has(key)) continue;
    out[key] = generate(value, generation, depth + 1, key);
  }
  return out;
}
function generateArray(node, generation, depth, name) {
  const prefix = Array.isArray(node.prefixItems) ? node.prefixItems : [];
  const min = typeof node.minItems === "number" ? node.minItems : 0;
  const max = typeof node.maxItems === "number" ? node.maxItems : Number.POSITIVE_INFINITY;
  const wanted = depth >= MAX_DEPTH ? min : Math.max(min, prefix.length, 2);
  const length = Math.min(max, wanted);
  const out = [];
  for (let index = 0; index < length; index++) {
    const itemSchema = index < prefix.length ? prefix[index] : node.items === false ? void 0 : node.items;
    if (index >= prefix.length && node.items === false) break;
    out.push(generate(itemSchema, generation, depth + 1, name));
  }
  return out;
}
function generateNumber(node, generation, integer) {
  const exclusiveLow = typeof node.exclusiveMinimum === "number";
  const exclusiveHigh = typeof node.exclusiveMaximum === "number";
  let low = Math.max(
    typeof node.minimum === "number" ? node.minimum : Number.NEGATIVE_INFINITY,
    exclusiveLow ? node.exclusiveMinimum : Number.NEGATIVE_INFINITY
  );
  let high = Math.min(
    typeof node.maximum === "number" ? node.maximum : Number.POSITIVE_INFINITY,
    exclusiveHigh ? node.exclusiveMaximum : Number.POSITIVE_INFINITY
  );
  if (low === Number.NEGATIVE_INFINITY) low = high === Number.POSITIVE_INFINITY ? 0 : high - 100;
  if (high === Number.POSITIVE_INFINITY) high = low + 100;
  if (integer) {
    low = exclusiveLow && Number.isInteger(low) ? low + 1 : Math.ceil(low);
    high = exclusiveHigh && Number.isInteger(high) ? high - 1 : Math.floor(high);
    if (high < low) return low;
    return low + next(generation) % (high - low + 1);
  }
  const value = low + (high - low) * (0.1 + next(generation) % 801 / 1e3);
  const rounded = Math.round(value * 100) / 100;
  return rounded > low && rounded < high ? rounded : low === high ? low : value;
}
function generateString(node, generation, name) {
  let text;
  switch (node.format) {
    case "date-time":
      text = "2024-05-17T12:00:00.000Z";
      break;
    case "date":
      text = "2024-05-17";
      break;
    case "time":
      text = "12:00:00";
      break;
    case "email":
      text = `${pick(generation, WORDS)}@example.com`;
      break;
    case "uri":
    case "url":
      text = `https://example.com/${pick(generation, WORDS)}`;
      break;
    case "uuid":
      text = uuid(generation);
      break;
    default:
      text = `${name} ${pick(generation, WORDS)}`;
  }
  const minLength = typeof node.minLength === "number" ? node.minLength : 0;
  const maxLength = typeof node.maxLength === "number" ? node.maxLength : Number.POSITIVE_INFINITY;
  if (text.length < minLength) text = text.padEnd(minLength, "x");
  if (text.length > maxLength) text = text.slice(0, maxLength);
  return text;
}
function uuid(generation) {
  const hex = [next(generation), next(generation), next(generation), next(generation)].map((part) => part.toString(16).padStart(8, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
function resolveRef(root, ref) {
  if (!ref.startsWith("#")) return void 0;
  let node = root;
  for (const raw of ref.slice(1).split("/")) {
    if (raw === "") continue;
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (typeof node !== "object" || node === null) return void 0;
    node = node[key];
  }
  return node;
}
function isNullSchema(schema) {
  return typeof schema === "object" && schema !== null && schema.type === "null";
}
function next(generation) {
  let state = generation.state;
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  generation.state = state;
  return state >>> 0;
}
function pick(generation, values) {
  return values[next(generation) % values.length];
}

// src/testing/mock-answer.ts
var VOCABULARY = [
  "alpha",
  "bravo",
  "cedar",
  "delta",
  "ember",
  "fjord",
  "gamma",
  "harbor",
  "iris",
  "jade",
  "kepler",
  "lumen",
  "maple",
  "nectar",
  "onyx",
  "prism",
  "quartz",
  "raven",
  "sierra",
  "tundra",
  "umber",
  "vertex",
  "willow",
  "xenon",
  "yarrow",
  "zephyr",
  "amber",
  "basalt",
  "cobalt",
  "dune",
  "echo",
  "flint",
  "granite",
  "hazel",
  "indigo",
  "juniper",
  "kelp",
  "lotus",
  "marble",
  "nova",
  "orbit",
  "pebble",
  "quill",
  "ridge",
  "slate",
  "thistle",
  "ultra",
  "violet",
  "wren",
  "yonder",
  "zenith",
  "acorn",
  "birch",
  "comet",
  "drift",
  "fern",
  "glacier",
  "heron",
  "isle",
  "lagoon",
  "meadow",
  "nimbus",
  "opal",
  "pine"
].map((word) => ` ${word}`);
var ECHO_WORDS = 8;
var MAX_ECHO_WORD = 32;
var JSON_CHARS_PER_TOKEN = 4;
function answerPieces(key, hash, tokens) {
  const pieces = ["Re:"];
  let start = 0;
  while (pieces.length < tokens && pieces.length <= ECHO_WORDS) {
    while (start < key.length && isSpace(key.charCodeAt(start))) start++;
    if (start >= key.length) break;
    let end = start;
    while (end < key.length && !isSpace(key.charCodeAt(end))) end++;
    pieces.push(` ${safeSlice(key, start, Math.min(end, start + MAX_ECHO_WORD))}`);
    start = end;
  }
  let state = hash | 1;
  while (pieces.length < tokens) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    pieces.push(VOCABULARY[(state >>> 0) % VOCABULARY.length] ?? " word");
  }
  if (pieces.length > tokens) pieces.length = tokens;
  const last = pieces.length - 1;
  if (last >= 0) pieces[last] = `${pieces[last]}.`;
  return pieces;
}
function jsonPieces(text) {
  const pieces = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + JSON_CHARS_PER_TOKEN);
    if (end < text.length && isLowSurrogate(text.charCodeAt(end))) end++;
    pieces.push(text.slice(start, end));
    start = end;
  }
  return pieces;
}
function continuePieces(pieces, prefix) {
  if (prefix === "") return pieces;
  let offset = 0;
  for (let index = 0; index < pieces.length; index++) {
    const piece = pieces[index] ?? "";
    const end = offset + piece.length;
    if (end > prefix.length) {
      const overlap = prefix.length - offset;
      if (piece.slice(0, overlap) !== prefix.slice(offset)) return pieces;
      const rest = pieces.slice(index + 1);
      if (overlap > 0) rest.unshift(piece.slice(overlap));
      else rest.unshift(piece);
      return rest;
    }
    if (prefix.slice(offset, end) !== piece) return pieces;
    offset = end;
  }
  return offset === prefix.length ? [] : pieces;
}
function isSpace(code) {
  return code === 32 || code >= 9 && code <= 13 || code === 160;
}
function isLowSurrogate(code) {
  return code >= 56320 && code <= 57343;
}
function safeSlice(text, start, end) {
  return end < text.length && isLowSurrogate(text.charCodeAt(end)) ? text.slice(start, end + 1) : text.slice(start, end);
}

// src/testing/mock-exchange.ts
var MAX_REQUEST_BYTES = 16 * 1024 * 1024;
var NO_CHUNKS = [];
var EXCHANGE = /* @__PURE__ */ Symbol("rxllm.mockExchange");
function onRequestData(chunk) {
  this[EXCHANGE]?.addChunk(chunk);
}
function onRequestEnd() {
  const exchange = this[EXCHANGE];
  if (exchange !== void 0 && !exchange.finished) exchange.host.dispatch(exchange);
}
function onResponseClose() {
  this[EXCHANGE]?.closed();
}
var MockExchange = class {
  constructor(host, req, res, wire, sequence) {
    this.host = host;
    this.req = req;
    this.res = res;
    this.wire = wire;
    this.sequence = sequence;
    this.headers = { [wire.requestIdHeader]: `req_mock${sequence}` };
  }
  host;
  req;
  res;
  wire;
  sequence;
  timer = void 0;
  finished = false;
  /** Response headers common to every outcome (request id, rate limits). */
  headers;
  answer = void 0;
  /** Key that deliveries are counted by. */
  key = "";
  fault = void 0;
  /** Stream state. */
  parts = void 0;
  next = 0;
  startedAt = 0;
  intervalMs = 0;
  /** Content index where a fault cuts the stream; -1 when none. */
  cutAt = -1;
  cutMode = "drop";
  /** Bytes written by an endless body. */
  written = 0;
  chunks = [];
  bodyBytes = 0;
  /** Listens to the request and response through shared listeners (no closures per request). */
  listen() {
    this.req[EXCHANGE] = this;
    this.res[EXCHANGE] = this;
    this.req.on("data", onRequestData);
    this.req.once("end", onRequestEnd);
    this.res.once("close", onResponseClose);
  }
  addChunk(chunk) {
    this.bodyBytes += chunk.length;
    if (this.bodyBytes <= MAX_REQUEST_BYTES) this.chunks.push(chunk);
  }
  /** The client went away (or the socket was destroyed) before the server finished. */
  closed() {
    if (this.finished) return;
    this.host.stats.aborted++;
    this.finish();
  }
  /** The request body as text, or `undefined` when it was over the size cap. Releases the buffers. */
  takeBody() {
    const chunks = this.chunks;
    this.chunks = NO_CHUNKS;
    if (this.bodyBytes > MAX_REQUEST_BYTES) return void 0;
    if (chunks.length === 1) return chunks[0].toString("utf8");
    return Buffer.concat(chunks).toString("utf8");
  }
  /** Sends a complete response with `content-length`, and finishes. */
  send(status, contentType, body) {
    const headers = this.headers;
    headers["content-type"] = contentType;
    headers["content-length"] = String(Buffer.byteLength(body));
    this.res.writeHead(status, headers);
    this.res.end(body);
    this.host.stats.responded(status);
    this.finish();
  }
  /** Sends an error in the provider's shape, and finishes. */
  sendError(status, message) {
    this.send(status, "application/json", this.wire.errorBody(status, message));
  }
  /** Writes the head of a response whose body follows in pieces (chunked). */
  writeHead(status, contentType) {
    this.headers["content-type"] = contentType;
    if (contentType.startsWith("text/event-stream")) this.headers["cache-control"] = "no-cache";
    this.res.writeHead(status, this.headers);
    this.host.stats.responded(status);
  }
  /** Writes `text` (if any), then destroys the socket once it is flushed: the client sees the connection drop. */
  writeThenDestroy(text) {
    const socket = this.req.socket;
    if (text === "") socket.destroy();
    else this.res.write(text, () => socket.destroy());
  }
  /** Counts a successful, complete delivery. */
  delivered() {
    const answer = this.answer;
    if (answer !== void 0) this.host.stats.deliveredAnswer(this.key, answer.request.inputTokens, answer.pieces.length);
  }
  /**
   * Ends the server's part in this exchange: clears its timer, updates the gauges and drops the answer (count
   * the delivery first). Idempotent.
   */
  finish() {
    if (this.finished) return;
    this.finished = true;
    if (this.timer !== void 0) {
      clearTimeout(this.timer);
      this.timer = void 0;
    }
    this.host.active.delete(this);
    this.host.stats.ended();
    this.req[EXCHANGE] = void 0;
    this.res[EXCHANGE] = void 0;
    this.answer = void 0;
    this.parts = void 0;
  }
};

// src/testing/mock-stats.ts
var DUPLICATE_EXAMPLES = 20;
var StatsRecorder = class {
  constructor(trackDeliveries) {
    this.trackDeliveries = trackDeliveries;
  }
  trackDeliveries;
  requests = 0;
  completed = 0;
  inFlight = 0;
  maxInFlight = 0;
  rateLimited = 0;
  rateLimitedByLimits = 0;
  aborted = 0;
  delivered = 0;
  duplicates = 0;
  inputTokens = 0;
  outputTokens = 0;
  connections = 0;
  openSockets = 0;
  responses = /* @__PURE__ */ new Map();
  faults = /* @__PURE__ */ new Map();
  deliveries = /* @__PURE__ */ new Map();
  duplicateKeys = [];
  started() {
    this.requests++;
    if (++this.inFlight > this.maxInFlight) this.maxInFlight = this.inFlight;
  }
  ended() {
    this.inFlight--;
    this.completed++;
  }
  responded(status) {
    this.responses.set(status, (this.responses.get(status) ?? 0) + 1);
    if (status === 429) this.rateLimited++;
  }
  faulted(kind) {
    this.faults.set(kind, (this.faults.get(kind) ?? 0) + 1);
  }
  deliveredAnswer(key, inputTokens, outputTokens) {
    this.delivered++;
    this.inputTokens += inputTokens;
    this.outputTokens += outputTokens;
    if (!this.trackDeliveries) return;
    const count = this.deliveries.get(key);
    if (count === void 0) {
      this.deliveries.set(key, 1);
      return;
    }
    if (count === 1) {
      this.duplicates++;
      if (this.duplicateKeys.length < DUPLICATE_EXAMPLES) this.duplicateKeys.push(key);
    }
    this.deliveries.set(key, count + 1);
  }
  /** Deliveries of one key so far. */
  deliveriesOf(key) {
    return this.deliveries.get(key) ?? 0;
  }
  snapshot(includeDeliveries) {
    const stats = {
      requests: this.requests,
      completed: this.completed,
      inFlight: this.inFlight,
      maxInFlight: this.maxInFlight,
      responses: Object.fromEntries([...this.responses].sort(([a], [b]) => a - b).map(([status, count]) => [String(status), count])),
      faults: Object.fromEntries(this.faults),
      rateLimited: this.rateLimited,
      rateLimitedByLimits: this.rateLimitedByLimits,
      aborted: this.aborted,
      delivered: this.delivered,
      deliveredKeys: this.deliveries.size,
      duplicates: this.duplicates,
      duplicateKeys: [...this.duplicateKeys],
      inputTokens: this.inputTokens,
      outputTokens: this.outputTokens,
      connections: this.connections,
      openSockets: this.openSockets
    };
    if (includeDeliveries) stats.deliveries = Object.fromEntries(this.deliveries);
    return stats;
  }
  /** Zeroes the counters; the gauges (`inFlight`, `openSockets`) keep their current values. */
  reset() {
    this.requests = this.inFlight;
    this.completed = 0;
    this.maxInFlight = this.inFlight;
    this.rateLimited = 0;
    this.rateLimitedByLimits = 0;
    this.aborted = 0;
    this.delivered = 0;
    this.duplicates = 0;
    this.inputTokens = 0;
    this.outputTokens = 0;
    this.connections = this.openSockets;
    this.responses = /* @__PURE__ */ new Map();
    this.faults = /* @__PURE__ */ new Map();
    this.deliveries = /* @__PURE__ */ new Map();
    this.duplicateKeys = [];
  }
};

// src/testing/openai-wire.ts
var ERROR_TYPES2 = {
  400: ["invalid_request_error", null],
  401: ["invalid_request_error", "invalid_api_key"],
  402: ["insufficient_quota", "insufficient_quota"],
  403: ["invalid_request_error", "permission_denied"],
  404: ["invalid_request_error", "not_found"],
  405: ["invalid_request_error", "method_not_allowed"],
  413: ["invalid_request_error", "request_too_large"],
  429: ["requests", "rate_limit_exceeded"],
  529: ["server_error", "overloaded"]
};
var openaiWire = {
  provider: "openai",
  requestIdHeader: "x-request-id",
  read: readOpenAIRequest,
  completion(answer) {
    const { request } = answer;
    const output = answer.pieces.length;
    return `{"id":"${answer.id}","object":"chat.completion","created":${answer.created},"model":${JSON.stringify(answer.model)},"choices":[{"index":0,"message":{"role":"assistant","content":${JSON.stringify(answer.pieces.join(""))},"refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"${answer.finish}"}],"usage":{"prompt_tokens":${request.inputTokens},"completion_tokens":${output},"total_tokens":${request.inputTokens + output}},"service_tier":"default","system_fingerprint":"fp_mock"}`;
  },
  stream(answer, chunkTokens) {
    const { request } = answer;
    const usageNull = request.includeUsage ? ',"usage":null' : "";
    const prefix = `data: {"id":"${answer.id}","object":"chat.completion.chunk","created":${answer.created},"model":${JSON.stringify(answer.model)},"service_tier":"default","system_fingerprint":"fp_mock","choices":[{"index":0,"delta":`;
    const suffix = `,"logprobs":null,"finish_reason":null}]${usageNull}}

`;
    const content = groupPieces(answer.pieces, chunkTokens).map((text) => `${prefix}{"content":${JSON.stringify(text)}}${suffix}`);
    const output = answer.pieces.length;
    let tail = `${prefix}{},"logprobs":null,"finish_reason":"${answer.finish}"}]${usageNull}}

`;
    if (request.includeUsage) {
      tail += `data: {"id":"${answer.id}","object":"chat.completion.chunk","created":${answer.created},"model":${JSON.stringify(answer.model)},"service_tier":"default","system_fingerprint":"fp_mock","choices":[],"usage":{"prompt_tokens":${request.inputTokens},"completion_tokens":${output},"total_tokens":${request.inputTokens + output}}}

`;
    }
    tail += "data: [DONE]\n\n";
    return { head: `${prefix}{"role":"assistant","content":"","refusal":null}${suffix}`, content, tail };
  },
  errorBody(status, message) {
    const [type, code] = ERROR_TYPES2[status] ?? ["server_error", null];
    return `{"error":{"message":${JSON.stringify(message)},"type":"${type}","param":null,"code":${code === null ? "null" : `"${code}"`}}}`;
  },
  addRateLimitHeaders(headers, snapshot) {
    if (snapshot.requestsLimit !== void 0) {
      headers["x-ratelimit-limit-requests"] = String(snapshot.requestsLimit);
      headers["x-ratelimit-remaining-requests"] = String(snapshot.requestsRemaining);
      headers["x-ratelimit-reset-requests"] = formatDuration(snapshot.requestsResetMs);
    }
    if (snapshot.tokensLimit !== void 0) {
      headers["x-ratelimit-limit-tokens"] = String(snapshot.tokensLimit);
      headers["x-ratelimit-remaining-tokens"] = String(snapshot.tokensRemaining);
      headers["x-ratelimit-reset-tokens"] = formatDuration(snapshot.tokensResetMs);
    }
  },
  malformedJson: '{"id":"chatcmpl-malformed","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"Re: unterminated',
  malformedStream: 'data: {"id":"chatcmpl-malformed","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Re: unterminated\n\n',
  endlessStreamHead: 'data: {"id":"chatcmpl-endless","object":"chat.completion.chunk","created":0,"model":"mock-model","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}\n\n',
  endlessStreamBlock: repeatToBlock(
    'data: {"id":"chatcmpl-endless","object":"chat.completion.chunk","created":0,"model":"mock-model","choices":[{"index":0,"delta":{"content":" endless"},"finish_reason":null}]}\n\n'
  )
};
function formatDuration(ms) {
  if (ms < 1e3) return `${Math.max(0, Math.ceil(ms))}ms`;
  if (ms < 6e4) return `${Math.round(ms / 10) / 100}s`;
  const minutes = Math.floor(ms / 6e4);
  return `${minutes}m${Math.round((ms - minutes * 6e4) / 10) / 100}s`;
}

// src/testing/rate-window.ts
function createRateWindow(algorithm, limit, windowMs) {
  return algorithm === "token-bucket" ? new TokenBucket(limit, windowMs) : new SlidingWindow(limit, windowMs);
}
var SlidingWindow = class {
  constructor(limit, windowMs) {
    this.limit = limit;
    this.windowMs = windowMs;
  }
  limit;
  windowMs;
  times = [];
  costs = [];
  head = 0;
  used = 0;
  waitMs(cost, now) {
    this.evict(now);
    if (cost > this.limit) return this.windowMs;
    const excess = this.used + cost - this.limit;
    if (excess <= 0) return 0;
    let freed = 0;
    for (let index = this.head; index < this.times.length; index++) {
      freed += this.costs[index] ?? 0;
      if (freed >= excess) return Math.max(1, Math.ceil((this.times[index] ?? now) + this.windowMs - now));
    }
    return this.windowMs;
  }
  take(cost, now) {
    this.times.push(now);
    this.costs.push(cost);
    this.used += cost;
  }
  remaining(now) {
    this.evict(now);
    return Math.max(0, this.limit - this.used);
  }
  resetMs(now) {
    this.evict(now);
    const oldest = this.times[this.head];
    return oldest === void 0 ? 0 : Math.max(0, Math.ceil(oldest + this.windowMs - now));
  }
  evict(now) {
    const cutoff = now - this.windowMs;
    const times = this.times;
    let head = this.head;
    while (head < times.length && (times[head] ?? 0) <= cutoff) {
      this.used -= this.costs[head] ?? 0;
      head++;
    }
    if (head > 1024 && head * 2 > times.length) {
      this.times = times.slice(head);
      this.costs = this.costs.slice(head);
      head = 0;
    }
    this.head = head;
  }
};
var TokenBucket = class {
  constructor(limit, windowMs) {
    this.limit = limit;
    this.windowMs = windowMs;
    this.level = limit;
    this.perMs = limit / windowMs;
  }
  limit;
  windowMs;
  level;
  updatedAt;
  perMs;
  waitMs(cost, now) {
    this.refill(now);
    if (cost > this.limit) return this.windowMs;
    if (this.level >= cost) return 0;
    return Math.max(1, Math.ceil((cost - this.level) / this.perMs));
  }
  take(cost, now) {
    this.refill(now);
    this.level -= cost;
  }
  remaining(now) {
    this.refill(now);
    return Math.max(0, Math.floor(this.level));
  }
  resetMs(now) {
    this.refill(now);
    return Math.max(0, Math.ceil((this.limit - this.level) / this.perMs));
  }
  refill(now) {
    if (this.updatedAt !== void 0) this.level = Math.min(this.limit, this.level + (now - this.updatedAt) * this.perMs);
    this.updatedAt = now;
  }
};

// src/testing/write-answer.ts
import { performance } from "node:perf_hooks";
var EVENT_STREAM = "text/event-stream; charset=utf-8";
function writeJsonAnswer(exchange) {
  const answer = exchange.answer;
  if (answer === void 0) return;
  const body = exchange.wire.completion(answer);
  exchange.delivered();
  exchange.send(200, "application/json", body);
}
function writeStreamAnswer(exchange, chunkTokens, tokensPerSecond) {
  const answer = exchange.answer;
  if (answer === void 0) return;
  exchange.parts = exchange.wire.stream(answer, chunkTokens);
  exchange.writeHead(200, EVENT_STREAM);
  exchange.intervalMs = tokensPerSecond > 0 ? chunkTokens * 1e3 / tokensPerSecond : 0;
  exchange.startedAt = performance.now();
  exchange.next = 0;
  pump(exchange, exchange.parts.head);
}
function pump(exchange, pending) {
  exchange.timer = void 0;
  if (exchange.finished) return;
  const parts = exchange.parts;
  if (parts === void 0) return;
  const content = parts.content;
  const limit = exchange.cutAt >= 0 ? Math.min(exchange.cutAt, content.length) : content.length;
  const interval = exchange.intervalMs;
  const due = interval === 0 ? limit : Math.min(limit, 1 + Math.floor((performance.now() - exchange.startedAt) / interval));
  let out = pending;
  while (exchange.next < due) out += content[exchange.next++];
  if (exchange.next >= limit) {
    finishStream(exchange, out);
    return;
  }
  if (out !== "") exchange.res.write(out);
  const wait = exchange.startedAt + exchange.next * interval - performance.now();
  exchange.timer = setTimeout(pumpLater, Math.max(1, Math.ceil(wait)), exchange);
}
function pumpLater(exchange) {
  pump(exchange, "");
}
function finishStream(exchange, out) {
  const parts = exchange.parts;
  if (parts === void 0) return;
  if (exchange.cutAt < 0) {
    exchange.res.end(out + parts.tail);
    exchange.delivered();
  } else if (exchange.cutMode === "drop") {
    exchange.writeThenDestroy(out);
  } else {
    const nextEvent = parts.content[exchange.next] ?? parts.tail;
    exchange.res.end(out + nextEvent.slice(0, Math.max(1, Math.floor(nextEvent.length / 2))));
  }
  exchange.finish();
}

// src/testing/write-fault.ts
var HTML_502 = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";
var HTML_WELCOME = "<!DOCTYPE html>\n<html>\n<head><title>Welcome to nginx!</title></head>\n<body>\n<h1>Welcome to nginx!</h1>\n<p>If you see this page, the nginx web server is successfully installed and working.</p>\n</body>\n</html>\n";
var GARBAGE_SSE = 'this is not an event stream\n<html><body>oops</body></html>\n{"choices": [}\n\n\0 binary?\n\n';
var ENDLESS_JSON_HEAD = '{"id":"endless","padding":"';
var ENDLESS_JSON_BLOCK = Buffer.alloc(65536, "x");
var STATUS_MESSAGES = {
  "400": "Invalid request (injected fault).",
  "401": "Incorrect API key provided (injected fault).",
  "402": "You exceeded your current quota, please check your plan and billing details (injected fault).",
  "403": "You are not allowed to use this model (injected fault).",
  "500": "The server had an error while processing your request (injected fault).",
  "502": "Bad gateway (injected fault).",
  "503": "The engine is currently overloaded, please try again later (injected fault).",
  "504": "Gateway timeout (injected fault).",
  "529": "Overloaded (injected fault)."
};
function writeFault(exchange, kind, settings) {
  const stream = exchange.answer?.request.stream === true;
  switch (kind) {
    case "429":
    case "429-no-retry-after": {
      if (kind === "429") {
        exchange.headers["retry-after-ms"] = String(settings.faultRetryAfterMs);
        exchange.headers["retry-after"] = String(Math.ceil(settings.faultRetryAfterMs / 1e3));
      }
      exchange.sendError(429, "Rate limit reached for requests (injected fault).");
      return;
    }
    case "reset":
      exchange.req.socket.destroy();
      exchange.finish();
      return;
    case "hang":
      return;
    case "midstream-drop":
    case "truncated-body":
      if (stream) cutStream(exchange, kind === "midstream-drop" ? "drop" : "truncate", settings);
      else cutJson(exchange, kind);
      return;
    case "malformed-json":
      if (stream) {
        exchange.writeHead(200, "text/event-stream; charset=utf-8");
        exchange.res.end(exchange.wire.malformedStream);
        exchange.finish();
      } else {
        exchange.send(200, "application/json", exchange.wire.malformedJson);
      }
      return;
    case "malformed-sse":
      exchange.writeHead(200, "text/event-stream; charset=utf-8");
      exchange.res.end(GARBAGE_SSE);
      exchange.finish();
      return;
    case "wrong-content-type":
      exchange.send(200, "text/html; charset=utf-8", HTML_WELCOME);
      return;
    case "html-error":
      exchange.send(502, "text/html", HTML_502);
      return;
    case "endless-body":
      writeEndless(exchange, stream, settings.endlessBodyMaxBytes);
      return;
    default:
      exchange.sendError(Number(kind), STATUS_MESSAGES[kind] ?? "Injected fault.");
  }
}
function cutStream(exchange, mode, settings) {
  const pieces = exchange.answer?.pieces.length ?? 0;
  const events = Math.ceil(pieces / settings.chunkTokens);
  exchange.cutMode = mode;
  exchange.cutAt = events <= 1 ? events : 1 + Math.floor(settings.random() * (events - 1));
  writeStreamAnswer(exchange, settings.chunkTokens, settings.tokensPerSecond);
}
function cutJson(exchange, kind) {
  const answer = exchange.answer;
  if (answer === void 0) return;
  const body = exchange.wire.completion(answer);
  const half = body.slice(0, Math.floor(body.length / 2));
  if (kind === "truncated-body") exchange.headers["content-length"] = String(Buffer.byteLength(body));
  exchange.writeHead(200, "application/json");
  if (kind === "midstream-drop") {
    exchange.writeThenDestroy(half);
  } else {
    const socket = exchange.req.socket;
    exchange.res.write(half, () => socket.end());
  }
  exchange.finish();
}
function writeEndless(exchange, stream, maxBytes) {
  exchange.writeHead(200, stream ? "text/event-stream; charset=utf-8" : "application/json");
  exchange.res.write(stream ? exchange.wire.endlessStreamHead : ENDLESS_JSON_HEAD);
  const block = stream ? exchange.wire.endlessStreamBlock : ENDLESS_JSON_BLOCK;
  const pumpEndless = () => {
    while (!exchange.finished) {
      if (exchange.written >= maxBytes) {
        exchange.finish();
        exchange.req.socket.destroy();
        return;
      }
      exchange.written += block.length;
      if (!exchange.res.write(block)) {
        exchange.res.once("drain", pumpEndless);
        return;
      }
    }
  };
  pumpEndless();
}

// src/testing/mock-request-handler.ts
var JSON_TYPE = "application/json";
var MockRequestHandler = class {
  constructor(config) {
    this.config = config;
    this.stats = new StatsRecorder(config.trackDeliveries);
    this.random = createSeededRandom(config.seed);
    const { rateLimitAlgorithm, windowMs } = config;
    this.requestWindow = config.rpmLimit === void 0 ? void 0 : createRateWindow(rateLimitAlgorithm, config.rpmLimit, windowMs);
    this.tokenWindow = config.tpmLimit === void 0 ? void 0 : createRateWindow(rateLimitAlgorithm, config.tpmLimit, windowMs);
    this.faultSettings = {
      chunkTokens: config.chunkTokens,
      tokensPerSecond: config.tokensPerSecond,
      faultRetryAfterMs: config.faultRetryAfterMs,
      endlessBodyMaxBytes: config.endlessBodyMaxBytes,
      random: this.random
    };
    const created = "2024-01-01T00:00:00Z";
    this.modelsBody = JSON.stringify({
      object: "list",
      data: config.models.map((id) => ({
        id,
        object: "model",
        created: 1704067200,
        owned_by: "rxllm",
        type: "model",
        display_name: id,
        created_at: created
      })),
      has_more: false,
      first_id: config.models[0],
      last_id: config.models[config.models.length - 1]
    });
  }
  config;
  stats;
  active = /* @__PURE__ */ new Set();
  random;
  requestWindow;
  tokenWindow;
  faultSettings;
  modelsBody;
  sequence = 0;
  /** The `node:http` request listener. */
  handle = (req, res) => {
    const url = req.url ?? "/";
    const query = url.indexOf("?");
    const path = query === -1 ? url : url.slice(0, query);
    if (path === "/v1/chat/completions" || path === "/chat/completions") {
      if (req.method === "POST") this.start(req, res, openaiWire);
      else sendPlain(req, res, 405, openaiWire.errorBody(405, `Use POST for ${path}.`));
      return;
    }
    if (path === "/v1/messages" || path === "/messages") {
      if (req.method === "POST") this.start(req, res, anthropicWire);
      else sendPlain(req, res, 405, anthropicWire.errorBody(405, `Use POST for ${path}.`));
      return;
    }
    if (path === "/stats" && req.method === "GET") {
      const deliveries = query !== -1 && /(?:^|[?&])deliveries=(?:1|true)(?:&|$)/.test(url.slice(query));
      sendPlain(req, res, 200, JSON.stringify(this.stats.snapshot(deliveries)));
    } else if (path === "/stats/reset" && req.method === "POST") {
      this.stats.reset();
      sendPlain(req, res, 200, '{"ok":true}');
    } else if ((path === "/v1/models" || path === "/models") && req.method === "GET") {
      sendPlain(req, res, 200, this.modelsBody);
    } else if ((path === "/" || path === "/health") && req.method === "GET") {
      sendPlain(req, res, 200, '{"ok":true,"server":"rxllm mock server"}');
    } else {
      sendPlain(req, res, 404, openaiWire.errorBody(404, `No route for ${req.method ?? "GET"} ${path}.`));
    }
  };
  /** Clears the timers of every exchange in progress (their sockets are destroyed by the caller). */
  shutdown() {
    for (const exchange of [...this.active]) exchange.finish();
  }
  start(req, res, wire) {
    const exchange = new MockExchange(this, req, res, wire, ++this.sequence);
    this.stats.started();
    this.active.add(exchange);
    exchange.listen();
  }
  /** Called once the request body has arrived: parse, decide, then answer after the latency. */
  dispatch(exchange) {
    const text = exchange.takeBody();
    if (text === void 0) return exchange.sendError(413, "The request body is too large.");
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      return exchange.sendError(400, "The request body is not valid JSON.");
    }
    const request = exchange.wire.read(body);
    if (typeof request === "string") return exchange.sendError(400, request);
    const headers = exchange.req.headers;
    const config = this.config;
    if (config.apiKey !== void 0 && !isAuthorized(headers, config.apiKey)) {
      return exchange.sendError(401, "Incorrect API key provided.");
    }
    let fault;
    const forced = headers["x-mock-fault"];
    if (forced !== void 0) {
      if (typeof forced === "string" && isFaultKind(forced)) fault = forced;
      else if (forced !== "none") return exchange.sendError(400, `x-mock-fault: unknown fault ${JSON.stringify(forced)}; expected none or one of ${FAULT_KINDS.join(", ")}.`);
    } else if (config.faultKinds.length > 0) {
      fault = this.drawFault();
    }
    const answerTokens = readIntegerHeader(headers["x-mock-answer-tokens"], config.answerTokens, 1, 1e6);
    if (answerTokens === void 0) return exchange.sendError(400, "x-mock-answer-tokens: expected an integer from 1 to 1000000.");
    const promptHash = mixHash(hashString(request.key), config.seed);
    let latency = config.latencyMin;
    if (headers["x-mock-latency-ms"] !== void 0) {
      latency = readIntegerHeader(headers["x-mock-latency-ms"], 0, 0, 36e5);
      if (latency === void 0) return exchange.sendError(400, "x-mock-latency-ms: expected an integer from 0 to 3600000.");
    } else if (config.latencySpan > 0) {
      latency += Math.round(mixHash(promptHash, 1540483477) / 4294967296 * config.latencySpan);
    }
    const keyHeader = headers["x-mock-key"];
    exchange.key = typeof keyHeader === "string" ? keyHeader : request.key;
    let pieces = this.answerPieces(request, promptHash, answerTokens);
    let finish = "stop";
    if (request.maxTokens !== void 0 && pieces.length > request.maxTokens) {
      pieces = pieces.slice(0, request.maxTokens);
      finish = "length";
    }
    const sequence = exchange.sequence;
    exchange.answer = {
      id: exchange.wire === openaiWire ? `chatcmpl-mock${sequence}` : `msg_mock${sequence}`,
      model: request.model ?? config.model,
      created: Math.floor(Date.now() / 1e3),
      request,
      pieces,
      finish,
      toolId: `toolu_mock${sequence}`
    };
    if ((this.requestWindow !== void 0 || this.tokenWindow !== void 0) && !this.admit(exchange, request.inputTokens + pieces.length)) return;
    exchange.fault = fault;
    if (fault !== void 0) {
      this.stats.faulted(fault);
      if (fault === "hang") return;
    }
    if (latency > 0) exchange.timer = setTimeout(respond, latency, exchange);
    else this.respond(exchange);
  }
  /** Answers after the latency: the fault, or the answer as JSON or SSE. */
  respond(exchange) {
    exchange.timer = void 0;
    if (exchange.finished) return;
    if (exchange.fault !== void 0) writeFault(exchange, exchange.fault, this.faultSettings);
    else if (exchange.answer?.request.stream === true) writeStreamAnswer(exchange, this.config.chunkTokens, this.config.tokensPerSecond);
    else writeJsonAnswer(exchange);
  }
  answerPieces(request, hash, answerTokens) {
    const output = request.output;
    let pieces;
    if (output.kind === "text") {
      pieces = answerPieces(request.key, hash, answerTokens);
    } else {
      const value = output.schema === void 0 ? { answer: answerPieces(request.key, hash, answerTokens).join("") } : jsonFromSchema(output.schema, hash);
      pieces = jsonPieces(JSON.stringify(value));
    }
    return request.prefill === "" ? pieces : continuePieces(pieces, request.prefill);
  }
  /** Spends rate budget, adding the rate-limit headers; or answers 429 and returns false. */
  admit(exchange, tokens) {
    const now = performance2.now();
    const requests = this.requestWindow;
    const tokenWindow = this.tokenWindow;
    const requestWait = requests === void 0 ? 0 : requests.waitMs(1, now);
    const tokenWait = tokenWindow === void 0 ? 0 : tokenWindow.waitMs(tokens, now);
    const limited = requestWait > 0 || tokenWait > 0;
    if (!limited) {
      requests?.take(1, now);
      tokenWindow?.take(tokens, now);
    }
    const snapshot = {
      requestsLimit: requests?.limit,
      requestsRemaining: requestWait > 0 ? 0 : requests?.remaining(now) ?? 0,
      requestsResetMs: requests === void 0 ? 0 : Math.max(requestWait, requests.resetMs(now)),
      tokensLimit: tokenWindow?.limit,
      tokensRemaining: tokenWait > 0 ? 0 : tokenWindow?.remaining(now) ?? 0,
      tokensResetMs: tokenWindow === void 0 ? 0 : Math.max(tokenWait, tokenWindow.resetMs(now))
    };
    exchange.wire.addRateLimitHeaders(exchange.headers, snapshot);
    if (!limited) return true;
    const wait = Math.max(requestWait, tokenWait);
    exchange.headers["retry-after-ms"] = String(wait);
    exchange.headers["retry-after"] = String(Math.ceil(wait / 1e3));
    this.stats.rateLimitedByLimits++;
    const what = requestWait > 0 ? `requests: limit ${requests?.limit ?? 0}` : `tokens: limit ${tokenWindow?.limit ?? 0}, requested ${tokens}`;
    exchange.sendError(429, `Rate limit reached for ${what} per ${this.config.windowMs} ms. Please try again in ${wait}ms.`);
    return false;
  }
  drawFault() {
    const draw = this.random();
    const bounds = this.config.faultBounds;
    for (let index = 0; index < bounds.length; index++) {
      if (draw < bounds[index]) return this.config.faultKinds[index];
    }
    return void 0;
  }
};
function respond(exchange) {
  exchange.host.respond(exchange);
}
function sendPlain(req, res, status, body) {
  req.resume();
  res.writeHead(status, { "content-type": JSON_TYPE, "content-length": String(Buffer.byteLength(body)) });
  res.end(body);
}
function isAuthorized(headers, apiKey) {
  return headers["x-api-key"] === apiKey || headers.authorization === `Bearer ${apiKey}`;
}
function readIntegerHeader(value, fallback, min, max) {
  if (value === void 0) return fallback;
  if (typeof value !== "string" || !/^\d+$/.test(value)) return void 0;
  const number = Number(value);
  return number >= min && number <= max ? number : void 0;
}

// src/testing/mock-server-options.ts
import { z } from "zod";

// src/errors.ts
import { inspect } from "node:util";

// src/secrets.ts
var secrets = /* @__PURE__ */ new Set();
function redactSecrets(text) {
  let out = text;
  for (const secret of secrets) {
    if (out.includes(secret)) out = out.split(secret).join("[redacted]");
  }
  return out.replace(/(bearer\s+)[A-Za-z0-9._~+/=-]{6,}/gi, "$1[redacted]");
}

// src/errors.ts
var BRAND = /* @__PURE__ */ Symbol.for("rxllm.LlmError");
var LlmError = class extends Error {
  name = "LlmError";
  status;
  code;
  provider;
  requestId;
  retryAfterMs;
  retryable;
  fatal;
  body;
  constructor(message, options = {}, defaults = {}) {
    super(redactSecrets(message), options.cause === void 0 ? void 0 : { cause: options.cause });
    Object.defineProperty(this, BRAND, { value: true });
    if (options.status !== void 0) this.status = options.status;
    if (options.code !== void 0) this.code = redactSecrets(options.code);
    if (options.provider !== void 0) this.provider = options.provider;
    if (options.requestId !== void 0) this.requestId = redactSecrets(options.requestId);
    if (options.retryAfterMs !== void 0) this.retryAfterMs = options.retryAfterMs;
    if (options.body !== void 0) this.body = redactBody(options.body);
    this.fatal = defaults.fatal ?? false;
    this.retryable = this.fatal ? false : options.retryable ?? defaults.retryable ?? false;
  }
  /** A plain, key-free summary, used by `JSON.stringify`. */
  toJSON() {
    return {
      name: this.name,
      message: this.message,
      status: this.status,
      code: this.code,
      provider: this.provider,
      requestId: this.requestId,
      retryable: this.retryable,
      fatal: this.fatal,
      retryAfterMs: this.retryAfterMs
    };
  }
  [inspect.custom]() {
    return `${this.stack ?? `${this.name}: ${this.message}`} ${inspect(this.toJSON(), { breakLength: Infinity })}`;
  }
};
var InvalidOptionsError = class extends LlmError {
  name = "InvalidOptionsError";
  constructor(message, options = {}) {
    super(message, { code: "invalid_options", ...options });
  }
};
function redactBody(body) {
  if (typeof body === "string") return redactSecrets(body);
  try {
    return JSON.parse(redactSecrets(JSON.stringify(body)));
  } catch {
    return void 0;
  }
}

// src/validate-options.ts
function validateOptions(schema, value, label) {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${formatPath(label, issue.path)}: ${issue.message}`);
  throw new InvalidOptionsError(problems.join("; "));
}
function formatPath(label, path) {
  return path.reduce(
    (out, key) => typeof key === "number" ? `${out}[${key}]` : `${out}.${String(key)}`,
    label
  );
}

// src/testing/mock-server-options.ts
var milliseconds = z.number().min(0).max(36e5);
var rate = z.number().min(0).max(1);
var optionsSchema = z.strictObject({
  port: z.number().int().min(0).max(65535).optional(),
  host: z.string().min(1).optional(),
  latencyMs: z.union([milliseconds, z.tuple([milliseconds, milliseconds])]).refine((value) => typeof value === "number" || value[0] <= value[1], "expected [min, max] with min <= max").optional(),
  tokensPerSecond: z.number().min(0).optional(),
  chunkTokens: z.number().int().min(1).optional(),
  answerTokens: z.number().int().min(1).max(1e6).optional(),
  model: z.string().min(1).optional(),
  models: z.array(z.string().min(1)).min(1).optional(),
  seed: z.number().int().optional(),
  faults: z.partialRecord(z.enum(FAULT_KINDS), rate).refine((faults) => sumRates(faults) <= 1 + 1e-9, "expected the fault rates to add up to at most 1").optional(),
  faultRetryAfterMs: milliseconds.optional(),
  rpmLimit: z.number().int().positive().optional(),
  tpmLimit: z.number().int().positive().optional(),
  windowMs: z.number().int().positive().max(864e5).optional(),
  rateLimitAlgorithm: z.enum(["sliding-window", "token-bucket"]).optional(),
  trackDeliveries: z.boolean().optional(),
  endlessBodyMaxBytes: z.number().int().positive().optional(),
  apiKey: z.string().min(1).optional()
}).optional();
function resolveMockServerOptions(options) {
  const parsed = validateOptions(optionsSchema, options, "startMockServer() options") ?? {};
  const latency = parsed.latencyMs ?? 0;
  const [latencyMin, latencyMax] = typeof latency === "number" ? [latency, latency] : latency;
  const faultKinds = [];
  const faultBounds = [];
  let cumulative = 0;
  for (const kind of FAULT_KINDS) {
    const value = parsed.faults?.[kind];
    if (value === void 0 || value === 0) continue;
    cumulative += value;
    faultKinds.push(kind);
    faultBounds.push(cumulative);
  }
  const model = parsed.model ?? "mock-model";
  return {
    port: parsed.port ?? 0,
    host: parsed.host ?? "127.0.0.1",
    latencyMin,
    latencySpan: latencyMax - latencyMin,
    tokensPerSecond: parsed.tokensPerSecond ?? 0,
    chunkTokens: parsed.chunkTokens ?? 1,
    answerTokens: parsed.answerTokens ?? 16,
    model,
    models: parsed.models ?? [model],
    seed: parsed.seed ?? 1,
    faultKinds,
    faultBounds,
    faultRetryAfterMs: parsed.faultRetryAfterMs ?? 100,
    rpmLimit: parsed.rpmLimit,
    tpmLimit: parsed.tpmLimit,
    windowMs: parsed.windowMs ?? 6e4,
    rateLimitAlgorithm: parsed.rateLimitAlgorithm ?? "sliding-window",
    trackDeliveries: parsed.trackDeliveries ?? true,
    endlessBodyMaxBytes: parsed.endlessBodyMaxBytes ?? 64 * 1024 * 1024,
    apiKey: parsed.apiKey
  };
}
function sumRates(faults) {
  let sum = 0;
  for (const value of Object.values(faults)) sum += value ?? 0;
  return sum;
}

// src/testing/start-mock-server.ts
async function startMockServer(options) {
  const config = resolveMockServerOptions(options);
  const handler = new MockRequestHandler(config);
  const { stats } = handler;
  const sockets = /* @__PURE__ */ new Set();
  const server2 = createServer({ noDelay: true }, handler.handle);
  server2.on("connection", (socket) => {
    sockets.add(socket);
    stats.connections++;
    stats.openSockets++;
    socket.once("close", () => {
      sockets.delete(socket);
      stats.openSockets--;
    });
  });
  server2.on("clientError", (_error, socket) => socket.destroy());
  await new Promise((resolve, reject) => {
    const onError = (error) => reject(error);
    server2.once("error", onError);
    server2.listen(config.port, config.host, () => {
      server2.off("error", onError);
      resolve();
    });
  });
  const address = server2.address();
  const port = typeof address === "object" && address !== null ? address.port : config.port;
  const host = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  let closing;
  return {
    url,
    openaiBaseURL: `${url}/v1`,
    anthropicBaseURL: url,
    port,
    stats: (statsOptions) => stats.snapshot(statsOptions?.deliveries === true),
    deliveriesOf: (key) => stats.deliveriesOf(key),
    resetStats: () => stats.reset(),
    close: () => {
      closing ??= new Promise((resolve) => {
        server2.close(() => resolve());
        handler.shutdown();
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    }
  };
}

// .scratch-harness.ts
var exp = process.env.EXP ?? "";
if (exp.includes("completion")) {
  const c = openaiWire.completion({ id: "x", model: "m", created: 1, request: { inputTokens: 1 }, pieces: ["a"], finish: "stop", toolId: "" });
  openaiWire.completion = () => c;
}
if (exp.includes("stats")) StatsRecorder.prototype.deliveredAnswer = () => {
};
var server = await startMockServer({ port: Number(process.env.PORT), latencyMs: 1 });
console.log(`listening on ${server.url}`);
process.on("SIGTERM", () => server.close());
