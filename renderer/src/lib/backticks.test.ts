import { describe, expect, it } from 'vitest';
import { backtickParts } from './backticks.ts';

describe('backtickParts', () => {
  it('splits commands out of advice', () => {
    expect(backtickParts('Run `labdeck env up` to start them.')).toEqual([
      { code: false, text: 'Run ' },
      { code: true, text: 'labdeck env up' },
      { code: false, text: ' to start them.' },
    ]);
  });

  it('leaves a text with an unbalanced backtick as it is', () => {
    expect(backtickParts('a ` b')).toEqual([{ code: false, text: 'a ` b' }]);
  });
});
