// parallelChatStructured(model, prompts, schema): answers shaped by a zod schema, validated and typed, in input order
// (chatStructured does the same for one prompt, as an Observable). Offline unless BASE_URL or OPENAI_API_KEY is set:
// then a local mock server answers with JSON that fits the schema it is sent.
import { lastValueFrom } from 'rxjs';
import { z } from 'zod';
import { chatStructured, interpolate, openai, parallelChatStructured } from 'rxllm';
import { startMockServer } from 'rxllm/testing';

const server = process.env.BASE_URL || process.env.OPENAI_API_KEY ? undefined : await startMockServer();
try {
  const model = openai({ model: process.env.MODEL ?? 'gpt-4o-mini', baseURL: server?.openaiBaseURL ?? process.env.BASE_URL });

  const City = z.object({
    city: z.string().describe('The largest city'),
    population: z.number().describe('Its population, roughly'),
    coastal: z.boolean(),
  });
  const prompts = interpolate('What is the largest city of {{ country }}?', { country: ['Peru', 'Chad', 'Japan'] });

  // OpenAI gets response_format json_schema (strict), Anthropic a forced tool call; every answer is validated.
  const rows = await parallelChatStructured(model, prompts, City, { maxActive: 3, repair: true });
  rows.forEach((row, i) => {
    if (row === null) console.log(i, 'not sent');
    else if (row instanceof Error) console.log(i, `${row.name}: ${row.message}`); // StructuredOutputError keeps the raw text
    else console.log(i, `${row.city}: population ${row.population}, coastal: ${row.coastal}`);
  });

  const Tags = z.object({ tags: z.array(z.string()) });
  const tags = await lastValueFrom(chatStructured(model, 'Suggest three tags for a post about RxJS.', Tags));
  console.log('tags:', tags.tags);
} finally {
  await server?.close();
}
