// Drives openai-node's `client.responses.stream()` helper against the server and prints one JSON line:
// {events: [{type, sequence_number, ...}], final: <finalResponse() or null>, error: <message or null>}.
// Usage: node stream_helper.mjs <openai-node install dir> <base url> <token> <job json>
// job: {create: {...body}} or {response_id, starting_after?}; with cancel_after_delta, the response is cancelled
// once the first text delta arrives (the stream goes on until the turn's end event).
import { createRequire } from 'node:module';
import { join } from 'node:path';

const [installDir, baseURL, apiKey, jobJson] = process.argv.slice(2);
const { OpenAI } = createRequire(join(installDir, 'package.json'))('openai');
const job = JSON.parse(jobJson);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });

const events = [];
let final = null;
let error = null;
try {
  const stream = job.create
    ? client.responses.stream(job.create)
    : client.responses.stream({ response_id: job.response_id, starting_after: job.starting_after });
  let shown = '';  // the helper's accumulated text, as a UI showing deltas would have it
  stream.on('response.output_text.delta', (event) => { shown = event.snapshot; });
  let responseId = job.response_id;
  let cancelled = false;
  for await (const event of stream) {
    const seen = { type: event.type, sequence_number: event.sequence_number };
    if (event.response) {
      seen.status = event.response.status;
      responseId = event.response.id;
    }
    if (event.item) seen.item = { id: event.item.id, type: event.item.type, status: event.item.status };
    if (event.output_index !== undefined) seen.output_index = event.output_index;
    events.push(seen);
    if (job.cancel_after_delta && !cancelled && event.type === 'response.output_text.delta') {
      cancelled = true;
      await client.responses.cancel(responseId);
    }
  }
  final = { ...(await stream.finalResponse()), shown_text: shown };
} catch (err) {
  error = `${err?.constructor?.name}: ${err?.message}`;
}
process.stdout.write(JSON.stringify({ events, final, error }) + '\n');
