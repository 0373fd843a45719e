import { describe, expect, it } from 'vitest';
import { ApiError } from '../api';
import { logoErrorKey } from './orgs';

describe('logo refusals', () => {
  it('explain the server’s codes for a logo in the interface’s words', () => {
    expect(logoErrorKey(new ApiError(413, 'too_large', 'a logo may be at most 256 KiB', 'logo'))).toBe('logoTooLarge');
    expect(logoErrorKey(new ApiError(413, 'http_error', 'Payload Too Large'))).toBe('logoTooLarge');
    expect(logoErrorKey(new ApiError(415, 'unsupported_type', 'a logo must be…', 'content-type'))).toBe('logoWrongType');
    expect(logoErrorKey(new ApiError(400, 'invalid_input', 'the bytes are not a image/png image', 'logo'))).toBe('logoNotImage');
  });
  it('leave other failures to the general error text', () => {
    expect(logoErrorKey(new ApiError(403, 'admin_only', 'only administrators may do this'))).toBeNull();
    expect(logoErrorKey(new TypeError('network'))).toBeNull();
  });
});
