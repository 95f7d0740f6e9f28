import { closest, didYouMean, editDistance } from '../../lib/model/suggest';

describe('suggestions', () => {
  it('measures edits, counting a transposition as one', () => {
    expect(editDistance('quebec', 'qeubec')).toBe(1);
    expect(editDistance('abc', 'abc')).toBe(0);
    expect(editDistance('', 'abc')).toBe(3);
  });
  it('suggests the closest name and nothing for unrelated input', () => {
    expect(closest('A100-80G', ['A100-40GB', 'A100-80GB', 'H100'])).toBe('A100-80GB');
    expect(closest('mi300x', ['MI300X', 'MI250X'])).toBe('MI300X');
    expect(closest('zzzzzz', ['quebec', 'atlanta'])).toBeUndefined();
    expect(didYouMean('atlnta', ['atlanta', 'frankfurt'])).toBe("; did you mean 'atlanta'?");
    expect(didYouMean('atlanta', ['atlanta'])).toBe('');
    expect(didYouMean('A100', ['A10', 'A100-40GB', 'A100-80GB', 'H100'])).toBe("; did you mean 'A100-40GB' or 'A100-80GB'?");
  });
  it('does not suggest a 2-letter code found inside a longer name (USA is not SA)', () => {
    expect(closest('USA', ['SA', 'US', 'DE'])).toBe('US');
    expect(closest('USA', ['SA', 'DE'])).toBeUndefined();
    expect(didYouMean('GER', ['DE', 'ER', 'GB'])).not.toContain("'ER'");
    // containment still helps for longer names
    expect(closest('frank', ['frankfurt', 'quebec'])).toBe('frankfurt');
  });
});
