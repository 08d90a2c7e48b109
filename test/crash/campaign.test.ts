/**
 * A few rounds of the crash campaign (campaign.ts) in every `npm test`; the long
 * campaign is `npm run test:crash -- --rounds N --minutes M`.
 */
import { expect, test } from 'vitest';
import { runCampaign } from './campaign.ts';

test('a few rounds of kill -9 under writes, refreshes, moves and cloud transfers lose nothing', async () => {
  const result = await runCampaign({ rounds: 6, minutes: 60 });
  expect(result.rounds).toBe(6);
  expect(result.acked).toBeGreaterThan(0);
  expect(result.eventsChecked).toBeGreaterThan(0);
}, 600_000);
