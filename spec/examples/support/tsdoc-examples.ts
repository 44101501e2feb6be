import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

/** One fenced code block of an `@example` tag. */
export interface DocExample {
  /** Path from the repository root, e.g. `src/parallel-chat.ts`. */
  file: string;
  /** 1-based line of the block's first code line in `file`. */
  line: number;
  code: string;
}

/** Every ```ts block inside an `@example` tag of the doc comments of `*.ts` files under `dir`. */
export function docExamplesUnder(root: string, dir: string): DocExample[] {
  return tsFiles(join(root, dir)).flatMap((path) => docExamplesOf(relative(root, path), readFileSync(path, 'utf8')));
}

/** The ```ts blocks of the `@example` tags of one file's doc comments. */
export function docExamplesOf(file: string, text: string): DocExample[] {
  const examples: DocExample[] = [];
  for (const comment of text.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
    const startLine = text.slice(0, comment.index).split('\n').length;
    const lines = comment[0].split('\n').map((line) => line.replace(/^\s*\/?\*+\/?\s?/, '').replace(/\s*\*\/$/, ''));
    let inExample = false;
    for (let i = 0; i < lines.length; i += 1) {
      const line = lines[i]!;
      if (/^@\w+/.test(line)) inExample = line.startsWith('@example');
      if (!inExample || !/^```(ts|typescript)\s*$/.test(line)) continue;
      const body: string[] = [];
      let end = i + 1;
      while (end < lines.length && !lines[end]!.startsWith('```')) body.push(lines[end++]!);
      examples.push({ file, line: startLine + i + 1, code: `${body.join('\n')}\n` });
      i = end;
    }
  }
  return examples;
}

/** A public export of an entry point and what its doc comment offers. */
export interface PublicExport {
  /** `rxllm` or `rxllm/testing`. */
  entry: string;
  name: string;
  /** Where it is declared, `src/…:line`. */
  declaredAt: string;
  /** A function or operator (a callable value that is not a class): these owe a runnable `@example`. */
  callable: boolean;
  /** The doc comment's summary text (empty when it has none). */
  summary: string;
  /** The text of each of its `@example` tags. */
  examples: string[];
}

/** The exports of each entry (module path → specifier users import), with their `@example` tags, via `program`. */
export function publicExports(program: ts.Program, root: string, entries: Record<string, string>): PublicExport[] {
  const checker = program.getTypeChecker();
  return Object.entries(entries).flatMap(([path, entry]) => {
    const source = program.getSourceFile(path);
    const module = source === undefined ? undefined : checker.getSymbolAtLocation(source);
    if (module === undefined) throw new Error(`cannot read the exports of ${path}`);
    return checker.getExportsOfModule(module).map((symbol): PublicExport => {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      const declaration = target.declarations?.[0];
      const file = declaration?.getSourceFile();
      const declaredAt =
        declaration === undefined || file === undefined
          ? '?'
          : `${relative(root, file.fileName)}:${file.getLineAndCharacterOfPosition(declaration.getStart()).line + 1}`;
      const examples = target
        .getJsDocTags(checker)
        .filter((tag) => tag.name === 'example')
        .map((tag) => ts.displayPartsToString(tag.text));
      const summary = ts.displayPartsToString(target.getDocumentationComment(checker)).trim();
      return { entry, name: symbol.name, declaredAt, callable: isCallableValue(checker, target, declaration), summary, examples };
    });
  });
}

/** A function, or a `const` holding one (an operator factory); never a class, type or interface. */
function isCallableValue(checker: ts.TypeChecker, symbol: ts.Symbol, declaration: ts.Declaration | undefined): boolean {
  if (declaration === undefined || symbol.flags & ts.SymbolFlags.Class) return false;
  if (symbol.flags & ts.SymbolFlags.Function) return true;
  if (!(symbol.flags & ts.SymbolFlags.Variable)) return false;
  return checker.getTypeOfSymbolAtLocation(symbol, declaration).getCallSignatures().length > 0;
}

/** Diagnostics as `file:line:col message` lines. */
export function formatDiagnostics(diagnostics: readonly ts.Diagnostic[], root: string): string {
  return diagnostics
    .map((diagnostic) => {
      const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
      if (diagnostic.file === undefined || diagnostic.start === undefined) return message;
      const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
      return `${relative(root, diagnostic.file.fileName)}:${line + 1}:${character + 1} ${message}`;
    })
    .join('\n');
}

/**
 * A program over `files` (path → text, kept in memory, never written) and `entries`, with the repository's compiler
 * options plus `paths` sending `rxllm` and `rxllm/testing` to the sources. The virtual files should live inside the
 * repository so that `rxjs`, `zod`… resolve from its `node_modules`.
 */
export function createExamplesProgram(root: string, files: ReadonlyMap<string, string>, entries: readonly string[]): ts.Program {
  const configPath = join(root, 'tsconfig.json');
  const config = ts.readConfigFile(configPath, (path) => ts.sys.readFile(path));
  if (config.error !== undefined) throw new Error(formatDiagnostics([config.error], root));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root, undefined, configPath);
  const options: ts.CompilerOptions = {
    ...parsed.options,
    noEmit: true,
    paths: { rxllm: [join(root, 'src/index.ts')], 'rxllm/testing': [join(root, 'src/mock-server/index.ts')] },
  };
  const host = ts.createCompilerHost(options, true);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (fileName, languageVersion, ...rest) => {
    const text = files.get(fileName);
    if (text === undefined) return getSourceFile.call(host, fileName, languageVersion, ...rest);
    return ts.createSourceFile(fileName, text, languageVersion, true);
  };
  host.fileExists = (fileName) => files.has(fileName) || fileExists.call(host, fileName);
  host.readFile = (fileName) => files.get(fileName) ?? readFile.call(host, fileName);
  return ts.createProgram({ rootNames: [...entries, ...files.keys()], options, host });
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}
