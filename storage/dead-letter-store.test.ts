import { describe, expect, it } from 'vitest';
import { deadLetterColumns, fromStoredDeadLetter, type DeadLetterRow } from './dead-letter-store.ts';

const letter: DeadLetterRow = {
  receivedAt: 1_767_225_600_000,
  topic: 'citytwin/v1/sensors/wl-1/data',
  reason: 'invalid_json',
  detail: 'Unexpected token',
  source: 'waterlogging',
  payload: '{"ts":',
  payloadEncoding: 'utf8',
  payloadBytes: 6,
};

describe('dead-letter rows', () => {
  it('writes the columns in the table order', () => {
    expect(deadLetterColumns(letter)).toEqual([
      1_767_225_600_000,
      'citytwin/v1/sensors/wl-1/data',
      'invalid_json',
      'Unexpected token',
      'waterlogging',
      '{"ts":',
      'utf8',
      6,
    ]);
  });

  it('reads a stored row back, 64-bit figures quoted, with the fields in the order the API has always sent', () => {
    const read = fromStoredDeadLetter({ ...letter, receivedAt: String(letter.receivedAt), payloadBytes: '6' });
    expect(read).toEqual(letter);
    expect(Object.keys(read)).toEqual(['receivedAt', 'topic', 'reason', 'detail', 'source', 'payload', 'payloadEncoding', 'payloadBytes']);
  });

  it('reads a base64 payload as base64', () => {
    expect(fromStoredDeadLetter({ ...letter, payloadEncoding: 'base64' }).payloadEncoding).toBe('base64');
  });
});
