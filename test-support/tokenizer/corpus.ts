// corpus.ts — hard strings for tokenizer oracle tests: every place a pre-tokenizer, a merge loop or a
// byte fallback can go wrong (emoji and ZWJ sequences, CJK, combining marks, digit runs, whitespace
// runs, tabs/newlines/CR, code, URLs, mixed scripts, special-token look-alikes), plus seeded random
// mixes of the same ingredients.

export const HARD_STRINGS: readonly string[] = [
  '', ' ', '  ', '   ', '\t', '\n', '\r\n', '\n\n\n', ' \n', '\n ', '\t\t\tx', ' \t \n \r ', '\u00a0', 'a\u00a0b', '\u3000x\u3000',
  'Hello world', ' Hello world', 'Hello World!', 'hello, world.', "I'm here", "you're we've they'll she'd it's", "I'M HERE YOU'RE", "'s 'S 'll 'LL",
  "don't", " ' ", "a ' b", 'x ? y ! z . w , v', 'Hello , world ! How are you ?',
  '0', '12', '123', '1234', '12345678901234567890', '3.14159265358979', '1,000,000', '-42', '1e-10', '٣٤٥ ໑໒໓ ௧௨௩', '½ ⅓ ² ³',
  '🎉', '😀😃😄', '👨‍👩‍👧‍👦', '🏳️‍🌈', '👍🏽', 'flag: 🇫🇷🇯🇵', 'emoji mid-word: caf🎉é',
  '日本語のテキスト', '中文字符测试，标点！', '한국어 텍스트입니다', 'ภาษาไทย', 'العربية نص', 'עברית', 'Ελληνικά κείμενο', 'Русский текст, ёлка', 'हिन्दी पाठ',
  'e\u0301', 'cafe\u0301 re\u0301sume\u0301', 'ñ n\u0303', 'Z\u0351\u036b\u0343\u036a\u0302\u036b\u033d\u034f\u0334\u0319\u0324\u031e\u0349\u035a\u032f\u031e\u0320\u034dA\u036b\u0357\u0334\u0362\u0335\u031c\u0330\u0354L\u0368\u0367\u0369\u0358\u0320G\u0311\u0357\u030e\u0305\u035b\u0341\u0334\u033b\u0348\u034d\u0354\u0339O\u0342\u030c\u030c\u0358\u0328\u0335\u0339\u033b\u031d\u0333',
  'function f(x) {\n\treturn x * 2;\n}\n', 'for (let i = 0; i < n; i++) { a[i] += b[i]; }', 'def foo(bar):\n    """doc"""\n    return {"k": [1, 2, 3]}\n',
  '    indented\n        more\n', '#include <stdio.h>\nint main(void){printf("%d\\n", 42);}', '<div class="x">&amp;</div>', 'SELECT * FROM t WHERE a >= 10;',
  '$ ls -la | grep "^d" && echo ok', 'a+b=c; x^2 ~ y | z', '```ts\nconst x: number = 1;\n```', '{"json": true, "n": null}',
  'https://example.com/path?q=1&r=two#frag', 'mailto:someone@example.org', 'http://127.0.0.1:8080/v1/chat/completions', 'C:\\Users\\me\\file.txt',
  'Mixed: English, 日本語, русский, العربية, 123, 🎉!', 'αβγ abc АБВ', 'ＡＢＣ　ｆｕｌｌ　ｗｉｄｔｈ', 'ﬁ ﬂ ligatures', 'Ω Å K', '\u200b zero\u200bwidth \ufeff bom',
  '<|eot_id|>', '<|eot_id', 'eot_id|>', '<|begin_of_text|>Hello', 'Hi<|start_header_id|>user<|end_header_id|>\n\nyo<|eot_id|>', '<|reserved_special_token_5|>',
  '<s>', '</s>', '<s>[INST] hi [/INST]', '<<SYS>>\nsys\n<</SYS>>', '<unk>', '<|im_start|>user\nhi<|im_end|>', '<|endoftext|>', '<|end|><|user|>',
  '<|eot_id|><|eot_id|>', 'a<|eot_id|>b', ' <|eot_id|> ', '<<|eot_id|>>', '<|EOT_ID|>', '<0x0A>', '<0xFF>', '▁▁x', '▁hello',
  'Ġ Ċ ĉ', '\u0000nul', '\u0001\u0002\u0003', '\u007f\u0080\u0085\u009f', 'tab\tsep\tvalues', 'trailing spaces   ', '   leading spaces', 'a\n\n\n\nb', 'a \n \n b', 'x\r\ny\rz',
  'the quick brown fox jumps over the lazy dog'.repeat(3), 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', '!!!!!!!!!!????????........', '----------------------------------------',
  '                                                  ', '\n'.repeat(20), '1'.repeat(50), '🎉'.repeat(10), '한'.repeat(30),
];

/** Seeded random strings mixing the corpus' ingredients (deterministic: same seed, same strings). */
export function randomStrings(count: number, seed = 1234): string[] {
  let s = seed >>> 0;
  const rnd = () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 2 ** 32; };
  const pools = [
    'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ', '0123456789', '    \t\n\r', '.,;:!?\'"()[]{}<>/\\|@#$%^&*-_=+~`',
    'éèêëñüößçåøæœ', '日本語中文字한국어ひらがなカタカナ', 'абвгдеёжзийклмнопрстуфхцчшщъыьэюя', '\u0301\u0303\u0308\u0327', '🎉😀👍🏽🇫🇷‍❤️',
    'αβγδεζηθ', 'אבגדה', 'ابتثجح', '\u00a0\u2009\u3000\u200b\u0085', "'s't're've'm'll'd",
  ];
  const words = ['<|eot_id|>', '<s>', '</s>', '<|im_start|>', ' the', ' of', 'Hello', 'world', 'http://x.y/z', '1234567', '\n\n', '    '];
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const len = 1 + Math.floor(rnd() * 40);
    let t = '';
    for (let k = 0; k < len; k++) {
      if (rnd() < 0.15) { t += words[Math.floor(rnd() * words.length)]; continue; }
      const pool = [...pools[Math.floor(rnd() * pools.length)]];
      t += pool[Math.floor(rnd() * pool.length)];
    }
    out.push(t);
  }
  return out;
}
