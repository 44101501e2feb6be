import { asyncScheduler, type SchedulerLike } from 'rxjs';
import { InvalidOptionsError } from '../../errors/llm-error.js';
import { compact } from '../../internal/compact.js';
import type { ChatModel } from '../../model/chat-provider.js';
import type { RetryOptions } from '../../types.js';
import { DEFAULT_OUTPUT_TOKENS } from '../../model/worst-case-usage.js';
import type { OnError, PipelineOptions } from '../pipeline-options.js';

/** `PipelineOptions` with defaults applied. */
export interface PipelineSettings extends Omit<PipelineOptions, 'maxActive' | 'rpm' | 'onError' | 'retry' | 'scheduler' | 'defaultOutputTokens'> {
  maxActive: number;
  rpm: number | 'auto';
  onError: OnError;
  /** The model's retry policy with the pipeline's on top. */
  retry: RetryOptions;
  scheduler: SchedulerLike;
  defaultOutputTokens: number;
}

/** Builds `PipelineSettings` from validated options and the model's defaults. */
export function pipelineSettings(model: ChatModel, options: PipelineOptions, defaultOnError: OnError): PipelineSettings {
  const { maxActive = 10, rpm = 500, onError = defaultOnError, retry, scheduler = asyncScheduler, defaultOutputTokens = DEFAULT_OUTPUT_TOKENS, ...rest } = options;
  return { ...rest, maxActive, rpm, onError, retry: { ...model.retry, ...compact(retry ?? {}) }, scheduler, defaultOutputTokens };
}

/** Throws `InvalidOptionsError` unless `model` looks like a `ChatModel`. */
export function assertChatModel(model: unknown, label: string): asserts model is ChatModel {
  const candidate = model as Partial<ChatModel> | null | undefined;
  if (typeof candidate?.resolve !== 'function' || typeof candidate.provider?.chat !== 'function') {
    throw new InvalidOptionsError(`${label}: expected a ChatModel, e.g. from openai() or customModel()`);
  }
}
