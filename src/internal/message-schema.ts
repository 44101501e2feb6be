import { z } from 'zod';
import type { ChatMessage } from '../types.js';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const HTTP_URL = /^https?:\/\/\S+$/i;

const cacheControlSchema = z.strictObject({ type: z.literal('ephemeral'), ttl: z.enum(['5m', '1h']).optional() });

const textPartSchema = z.strictObject({ type: z.literal('text'), text: z.string(), cacheControl: cacheControlSchema.optional() });

const urlSchema = z.string().regex(HTTP_URL, 'expected an http(s) URL (give inline bytes as data + mediaType)').optional();
const dataSchema = z
  .string()
  .min(1)
  .refine((data) => data.length % 4 === 0 && BASE64.test(data), 'expected base64 (without a data: prefix)')
  .optional();

const imagePartSchema = z
  .strictObject({
    type: z.literal('image'),
    url: urlSchema,
    data: dataSchema,
    mediaType: z.enum(['image/jpeg', 'image/png', 'image/gif', 'image/webp']).optional(),
    detail: z.enum(['auto', 'low', 'high']).optional(),
    width: z.number().int().positive().optional(),
    height: z.number().int().positive().optional(),
    cacheControl: cacheControlSchema.optional(),
  })
  .superRefine(checkSource);

const documentPartSchema = z
  .strictObject({
    type: z.literal('document'),
    url: urlSchema,
    data: dataSchema,
    mediaType: z.literal('application/pdf').optional(),
    title: z.string().optional(),
    pages: z.number().int().positive().optional(),
    cacheControl: cacheControlSchema.optional(),
  })
  .superRefine(checkSource);

const contentPartSchema = z.discriminatedUnion('type', [textPartSchema, imagePartSchema, documentPartSchema]);
const partsSchema = z.array(contentPartSchema).min(1, 'expected at least one part');

/**
 * zod schema of one `ChatMessage`: a role (`system`, `developer`, `user`, `assistant`) and content that is a string
 * or a non-empty list of text, image and document parts; images and documents only in `user` messages.
 * Unknown keys are errors, so that typos are caught.
 */
export const messageSchema: z.ZodType<ChatMessage> = z
  .strictObject({ role: z.enum(['system', 'developer', 'user', 'assistant']), content: z.unknown() })
  .superRefine((message, context) => {
    const { content } = message;
    if (typeof content === 'string') return;
    if (!Array.isArray(content)) {
      context.addIssue({ code: 'custom', path: ['content'], message: 'expected a string or an array of parts' });
      return;
    }
    // Parsed apart from the string case, so that issues name the part and field instead of a bare union failure.
    const parts = partsSchema.safeParse(content);
    if (!parts.success) {
      for (const issue of parts.error.issues) context.addIssue({ ...issue, path: ['content', ...issue.path] } as never);
      return;
    }
    if (message.role === 'user') return;
    parts.data.forEach((part, index) => {
      if (part.type !== 'text') {
        context.addIssue({ code: 'custom', path: ['content', index], message: 'only user messages may hold image or document parts' });
      }
    });
  }) as z.ZodType<ChatMessage>;

/** Exactly one of `url` and `data`; `data` needs its `mediaType`. */
function checkSource(part: { url?: string | undefined; data?: string | undefined; mediaType?: string | undefined }, context: z.RefinementCtx): void {
  if ((part.url === undefined) === (part.data === undefined)) {
    context.addIssue({ code: 'custom', path: [], message: 'expected either url or data (base64 with mediaType), not both' });
  } else if (part.data !== undefined && part.mediaType === undefined) {
    context.addIssue({ code: 'custom', path: ['mediaType'], message: 'expected the mediaType of the base64 data' });
  }
}
