/** A fenced code block of a Markdown file. */
export interface CodeBlock {
  /** The info string's first word: `ts`, `sh`, … (`''` when none). */
  lang: string;
  /** The block's text, without the fences. */
  code: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The nearest heading above the block (`''` when none). */
  heading: string;
}

/** The fenced (```) code blocks of a Markdown text, in order. */
export function markdownCodeBlocks(markdown: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = markdown.split('\n');
  let heading = '';
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i]!;
    const fence = /^(\s*)(`{3,})\s*([\w-]*)/.exec(line);
    if (fence === null) {
      const title = /^#{1,6}\s+(.*)$/.exec(line);
      if (title !== null) heading = title[1]!.trim();
      continue;
    }
    const [, indent = '', ticks = '```', lang = ''] = fence;
    const body: string[] = [];
    let end = i + 1;
    while (end < lines.length && !lines[end]!.trimStart().startsWith(ticks)) {
      body.push(lines[end]!.startsWith(indent) ? lines[end]!.slice(indent.length) : lines[end]!);
      end += 1;
    }
    blocks.push({ lang, code: `${body.join('\n')}\n`, line: i + 1, heading });
    i = end;
  }
  return blocks;
}
