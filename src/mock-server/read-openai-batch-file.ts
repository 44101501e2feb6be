import { drawsItemError } from './batch-host.js';
import { hashString, mixHash } from './hash-string.js';
import type { OpenAIBatchError, OpenAIBatchItem } from './openai-batch-wire.js';
import type { WireFormat } from './wire-format.js';

/** What a batch input file holds, once validated. */
export interface OpenAIBatchFile {
  items: OpenAIBatchItem[];
  /** Validation errors: any of them fails the batch (`errors.data`). */
  errors: OpenAIBatchError[];
  model: string | undefined;
  inputTokens: number;
}

/** The limits a batch input file is held to. */
export interface OpenAIBatchFileLimits {
  maxRequests: number;
  maxBytes: number;
  errorRate: number;
  seed: number;
}

/**
 * Validates a batch input file (JSONL of `{ custom_id, method: 'POST', url, body }`, the request input object of
 * OpenAI's Batch API reference) as the batch's validation step does: the size and line limits, each line's JSON and
 * fields, `url` equal to the batch's `endpoint`, unique `custom_id`s and one model for the whole file. Error codes
 * are those OpenAI reports in `errors.data` (`invalid_json_line`, `duplicate_custom_id`, `url_mismatch`,
 * `model_mismatch`, `empty_file`, `too_many_tasks`: listed with the observed shape `BatchError(code=
 * "invalid_json_line", line=1, message="This line is not parseable as valid JSON.")` in stdapi-ai/stdapi.ai#240);
 * line numbers start at 1. A body the endpoint would refuse is not a validation error: that item's line in the
 * error file is a 400.
 */
export function readOpenAIBatchFile(content: Buffer, endpoint: string, wire: WireFormat, limits: OpenAIBatchFileLimits): OpenAIBatchFile {
  const out: OpenAIBatchFile = { items: [], errors: [], model: undefined, inputTokens: 0 };
  const fail = (code: string, message: string, line: number | null, param: string | null = null) => {
    out.errors.push({ code, message, line, param });
  };
  if (content.length > limits.maxBytes) {
    fail('file_too_large', `The batch input file is ${content.length} bytes, more than the ${limits.maxBytes} allowed.`, null);
    return out;
  }
  const lines = content.toString('utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  const count = lines.filter((line) => line.trim() !== '').length;
  if (count === 0) {
    fail('empty_file', 'The batch input file is empty.', null);
    return out;
  }
  if (count > limits.maxRequests) {
    fail('too_many_tasks', `The batch input file has ${count} requests, more than the ${limits.maxRequests} allowed in one batch.`, null);
    return out;
  }
  const seen = new Set<string>();
  for (let index = 0; index < lines.length; index++) {
    const text = lines[index] as string;
    const line = index + 1;
    if (text.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!isRecord(parsed)) {
      fail('invalid_json_line', 'This line is not parseable as valid JSON.', line);
      continue;
    }
    const { custom_id: customId, method, url, body } = parsed;
    if (typeof customId !== 'string' || customId === '') {
      fail('invalid_request', "Missing required parameter: 'custom_id'.", line, 'custom_id');
      continue;
    }
    if (seen.has(customId)) {
      fail('duplicate_custom_id', 'The custom_id for this request is a duplicate of another request. The custom_id parameter must be unique for each request in a batch.', line, 'custom_id');
      continue;
    }
    seen.add(customId);
    if (method !== 'POST') fail('invalid_request', `Invalid value for 'method': expected 'POST', got ${JSON.stringify(method)}.`, line, 'method');
    else if (url !== endpoint) fail('url_mismatch', `The URL provided for this request does not match the batch endpoint ${endpoint}.`, line, 'url');
    else if (!isRecord(body)) fail('invalid_request', "Missing required parameter: 'body'.", line, 'body');
    else if (typeof body.model !== 'string' || body.model === '') fail('invalid_request', "Missing required parameter: 'body.model'.", line, 'body.model');
    else if (out.model !== undefined && body.model !== out.model) {
      fail('model_mismatch', `The model ${JSON.stringify(body.model)} of this request does not match the model ${JSON.stringify(out.model)} of the batch's other requests.`, line, 'body.model');
    } else {
      out.model = body.model;
      const request = wire.read(body);
      if (typeof request !== 'string') out.inputTokens += request.inputTokens;
      const serverError = drawsItemError(mixHash(hashString(customId), limits.seed ^ 0x68e31da4), limits.errorRate);
      out.items.push({ customId, request, serverError });
    }
  }
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
