/**
 * Backend messages quote commands in `backticks`. Split such a text into plain and command parts (text
 * only, nothing is parsed as HTML); an unbalanced backtick leaves the whole text plain.
 */
export function backtickParts(text: string): Array<{ code: boolean; text: string }> {
  const split = text.split('`');
  if (split.length % 2 === 0) return [{ code: false, text }];
  return split.map((part, index) => ({ code: index % 2 === 1, text: part })).filter((part) => part.text !== '');
}
