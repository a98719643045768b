import { expect } from 'vitest';
import { GridtwinError } from '../../core/errors';

/** Awaits a promise that must reject with a GridtwinError and returns that error (fails the test otherwise). */
export async function rejection(p: Promise<unknown>): Promise<GridtwinError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(GridtwinError);
    return e as GridtwinError;
  }
  throw new Error('expected a rejection');
}
