/** The exit codes of every `rxllm` command, one table (see `ExitCode`), ending each `--help`. */
export const EXIT_CODES_HELP = `Exit codes (every command):
  0    run: every prompt has an ok result · mock-server: stopped by Ctrl-C or SIGTERM
  1    run: some prompts failed, or were not sent (bad input lines, the budget)
  2    fatal: 401/402/403 from the provider, --on-error stop, an unreadable or corrupt file (run); cannot listen,
       e.g. the port is in use (mock-server)
  64   bad usage: an unknown flag or a bad value; nothing was sent or started
  130  run: interrupted by Ctrl-C (SIGINT); re-run the same command to resume
  143  run: stopped by SIGTERM; re-run the same command to resume
`;

/** `rxllm --help`. */
export const MAIN_HELP = `rxllm: run many LLM chat completions in parallel, within rate limits, resumable.

Usage:
  rxllm run <prompts.jsonl|-> -o <results.jsonl> --model <provider/model> [flags]
  rxllm batch <prompts.jsonl|-> -o <results.jsonl> --model <provider/model> [flags]   half price, within 24 h
  rxllm mock-server [flags]        a local OpenAI/Anthropic-compatible server, for offline runs and tests
  rxllm --version
  rxllm <command> --help

Example:
  rxllm run prompts.jsonl -o results.jsonl --model openai/gpt-4o-mini --max-active 16 --rpm 500 --tpm 200000

${EXIT_CODES_HELP}`;

/** `rxllm run --help`. */
export const RUN_HELP = `Usage: rxllm run <prompts.jsonl|-> -o <results.jsonl> --model <provider/model> [flags]

Sends every prompt of a JSONL file (or stdin, with -) to a model, in parallel within the rate limits, and appends
one result line per prompt to the results file as each completes. Re-running the same command resumes: prompts
whose id is already in the results file are not sent again (even after kill -9; a torn last line is cut off).

Input, one prompt per line (blank lines are ignored):
  "What is the capital of Peru?"                                a string: one user message
  [{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}]
  {"id":"q1","prompt":"Capital of Chad?","params":{"temperature":0},"meta":{"row":7}}
  {"id":2,"messages":[{"role":"user","content":"Hi"}],"params":{"maxTokens":50}}
  id: a string or integer, unique in the file; default line-<n> (the 1-based line number), so give ids if you
  may edit the file between runs. params: camelCase (maxTokens, temperature, topP, stop, seed, responseFormat,
  extra). meta: any JSON, copied to the result line.

Output, one line per prompt, in completion order (sort by index for input order):
  {"id":"q1","index":0,"ok":true,"text":"…","finishReason":"stop","usage":{"inputTokens":12,"outputTokens":3},
   "model":"gpt-4o-mini-2024-07-18","attempts":1,"latencyMs":412,"queuedMs":0}
  {"id":"q2","index":1,"ok":false,"error":{"type":"ServerError","status":500,"code":null,"message":"…"},
   "usage":null,"model":"gpt-4o-mini","attempts":3,"latencyMs":9120,"queuedMs":250}
  index: the 0-based line index in the input. latencyMs: from the first request sent to the outcome, retries
  included. queuedMs: the wait for the rate limit before that. data: the parsed answer, with --structured.

Flags:
  -o, --output <file>        results file, appended to (required)
  -m, --model <p/m>          provider/model, e.g. openai/gpt-4o-mini, anthropic/claude-haiku-4-5 (required)
      --max-active <n>       requests in flight at once (default 10)
      --rpm <n|auto>         requests per minute, spaced smoothly: a number is a ceiling; auto (the
                             default) paces at what the key has left, from the rate-limit headers
      --tpm <n|auto>         tokens per minute: input estimate + maxTokens (default auto)
      --redis <url>          share the --rpm/--tpm budget with every rxllm process on this Redis, e.g.
                             redis://127.0.0.1:6379 (needs the redis package installed)
      --limiter-key <name>   the shared budget's name in Redis (default rxllm), e.g. one per API key
      --max-retries <n>      retries per prompt on retryable errors (default 2)
      --on-error <mode>      continue: failures are result lines (default) · return: send nothing new after a
                             failure, finish what is in flight · stop: abort at the first failure
      --max-cost <usd>       budget: send nothing that could overrun it (unsent prompts stay unrecorded)
      --max-total-tokens <n> budget in tokens, the same way
      --structured <file>    a JSON Schema file; answers must satisfy it (result lines get "data")
  -p, --param <key=value>    a generation parameter for every prompt, repeatable: temperature=0,
                             maxTokens=200, stop=END, extra.top_k=5 (values are JSON when they parse)
      --stream               stream each answer (token-level timeouts between chunks)
      --base-url <url>       the provider's base URL, e.g. http://127.0.0.1:8080/v1
      --timeout <seconds>    per request (streams: the longest silence between chunks); default 60
      --service-tier <tier>  flex, priority, default, auto or the provider's own word (sent as service_tier)
      --fallback-tier <tier> after 2 capacity refusals, or from --deadline, send an item at this tier
      --deadline <duration>  from then on every unanswered item goes at the fallback tier (500ms, 90s, 2h)
      --bad-lines <mode>     malformed input lines and duplicate ids: skip (default; reported with their line
                             numbers, exit code 1) or fail (stop the run, exit code 2)
      --retry-failed         on resume, send again the prompts recorded as failed (their old lines are removed);
                             by default every recorded id, ok or failed, is skipped
      --progress <mode>      auto: a live bar on a TTY, else plain lines (default) · lines · none
      --progress-interval <s> seconds between progress lines when not on a TTY (default 2)
      --grace <seconds>      on Ctrl-C, how long to wait for requests in flight (default 5); Ctrl-C twice aborts
  -q, --quiet                no progress and no summary; errors only
  -h, --help                 this help

API keys come from the usual variables (OPENAI_API_KEY, ANTHROPIC_API_KEY, …) and never appear in output.

${EXIT_CODES_HELP}`;

/** `rxllm batch --help`. */
export const BATCH_HELP = `Usage: rxllm batch <prompts.jsonl|-> -o <results.jsonl> --model <provider/model> [flags]

Sends every prompt through the provider's Batch API (OpenAI Batch, Anthropic Message Batches: half price, done
within 24 h), split into several batches past the provider's limits, and writes the results file (the rxllm run
format, input order) once the job has ended. The job's state sits beside it in <results.jsonl>.batch-state.json:
re-running the same command follows the same batches instead of paying twice. Ctrl-C cancels the provider batches
and writes what they returned. Input lines: as for rxllm run.

Flags:
  -o, --output <file>         results file (required)
  -m, --model <provider/model> openai/… or anthropic/… (required)
  --status                    print where the job stands (batches, phases, counts) and exit without waiting
  --poll-interval <duration>  time between two looks at the batches: 500ms, 90s, 5m, 2h or seconds (default 30s)
  --resubmit <which>          none | failed | expired | both: send such items again in a new batch (default none)
  --resubmit-rounds <n>       most resubmission rounds (default 3)
  -p, --param <key=value>     a generation parameter for every prompt (repeatable)
  --base-url <url>            provider base URL
  --batch-api                 the --base-url server has the provider's Batch API (a proxy, rxllm mock-server)
  --max-batch-requests <n>    most requests per provider batch, below the provider's own limit (default: the limit)
  -q, --quiet                 no progress lines
  -h, --help                  this help

${EXIT_CODES_HELP}`;
