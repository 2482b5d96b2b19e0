/**
 * ISBN check digits (ISO 2108): ISBN-10 is mod 11 with weights 10..1 (X = 10 in the last place), ISBN-13
 * mod 10 with weights 1,3. Hyphens and spaces between groups are allowed, as printed on books.
 */
export function isValidIsbn(value: string): boolean {
  const compact = value.replace(/^ISBN(?:-1[03])?:?\s*/i, '').replace(/[-\s]/g, '');
  if (/^[0-9]{9}[0-9Xx]$/.test(compact)) {
    let sum = 0;
    for (let i = 0; i < 10; i++) {
      const ch = compact[i] as string;
      sum += (ch === 'X' || ch === 'x' ? 10 : Number(ch)) * (10 - i);
    }
    return sum % 11 === 0;
  }
  if (/^97[89][0-9]{10}$/.test(compact)) {
    let sum = 0;
    for (let i = 0; i < 13; i++) sum += Number(compact[i]) * (i % 2 === 0 ? 1 : 3);
    return sum % 10 === 0;
  }
  return false;
}
