/**
 * Splits a compose string `command:` / `entrypoint:` into words the way compose does (a POSIX
 * shell-like split, no expansion): whitespace separates words, single quotes keep everything
 * literal, double quotes keep whitespace and honour `\"` and `\\`, a backslash outside quotes
 * escapes the next character.
 *
 * @module
 */

/** A string that cannot be split (an unterminated quote). */
export class ShellWordsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ShellWordsError";
  }
}

/**
 * Splits `text` into words.
 *
 * @throws {ShellWordsError} on an unterminated quote
 */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (/\s/.test(char)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
      continue;
    }
    inWord = true;
    if (char === "\\") {
      i++;
      if (i < text.length) word += text[i];
    } else if (char === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) {
        throw new ShellWordsError(`unterminated single quote in ${JSON.stringify(text)}`);
      }
      word += text.slice(i + 1, end);
      i = end;
    } else if (char === '"') {
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === "\\" && (text[i + 1] === '"' || text[i + 1] === "\\")) i++;
        word += text[i];
        i++;
      }
      if (i >= text.length) {
        throw new ShellWordsError(`unterminated double quote in ${JSON.stringify(text)}`);
      }
    } else {
      word += char;
    }
  }
  if (inWord) words.push(word);
  return words;
}
