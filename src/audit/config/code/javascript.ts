/**
 * JavaScript and TypeScript through TypeScript's own parser (the compiler
 * API: a real syntax tree, not text matching). `typescript` is loaded on
 * first use only, so other dialects and commands never pay for it.
 */
import { createRequire } from 'node:module';
import type * as TS from 'typescript';
import { MAX_BLOCK_DEPTH, parseError, type Directive } from '../model.ts';
import { fact } from './facts.ts';

let ts: typeof TS | undefined;
function typescript(file: string): typeof TS {
  try {
    ts ??= createRequire(import.meta.url)('typescript') as typeof TS;
  } catch (cause) {
    throw parseError(file, 1, `the typescript package is not installed: JavaScript/TypeScript files cannot be audited (${(cause as Error).message})`);
  }
  return ts;
}

/** Syntax nodes visited per file at most: a 8 MiB file has fewer; bounds time on hostile input. */
export const MAX_SYNTAX_NODES = 2_000_000;

/** Syntax nesting followed at most: real code stays under a few hundred levels. */
export const MAX_SYNTAX_DEPTH = MAX_BLOCK_DEPTH * 64;

const ENV_OFF = new Set(['NODE_TLS_REJECT_UNAUTHORIZED', 'PYTHONHTTPSVERIFY']);

export function parseJavaScript(text: string, file: string): Directive[] {
  const t = typescript(file);
  const kind = /\.tsx$/i.test(file) ? t.ScriptKind.TSX : /\.jsx$/i.test(file) ? t.ScriptKind.JSX : /\.[cm]?ts$/i.test(file) ? t.ScriptKind.TS : t.ScriptKind.JS;
  let sf: TS.SourceFile;
  try {
    sf = t.createSourceFile(file, text, t.ScriptTarget.Latest, true, kind);
  } catch (err) {
    // The parser recurses: absurd nesting exhausts the stack.
    throw parseError(file, 1, `cannot be parsed: ${(err as Error).message}`);
  }
  const diagnostics = (sf as unknown as { parseDiagnostics?: readonly TS.Diagnostic[] }).parseDiagnostics ?? [];
  if (diagnostics.length > 0) {
    const d = diagnostics[0]!;
    throw parseError(file, sf.getLineAndCharacterOfPosition(d.start ?? 0).line + 1, `syntax error: ${t.flattenDiagnosticMessageText(d.messageText, ' ')}`);
  }
  const lineOf = (n: TS.Node): number => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
  const src = (n: TS.Node): string => text.slice(n.getStart(sf), n.getEnd()).split('\n')[0]!;
  const nameOf = (n: TS.Node | undefined): string | undefined => {
    if (!n) return undefined;
    if (t.isIdentifier(n) || t.isStringLiteral(n) || t.isNoSubstitutionTemplateLiteral(n)) return n.text;
    if (t.isPropertyAccessExpression(n)) return n.name.text;
    if (t.isElementAccessExpression(n)) return nameOf(n.argumentExpression);
    return undefined;
  };
  const isFalse = (n: TS.Node | undefined): boolean => n !== undefined && (n.kind === t.SyntaxKind.FalseKeyword || (t.isNumericLiteral(n) && n.text === '0'));
  const isZero = (n: TS.Node | undefined): boolean => n !== undefined && (((t.isStringLiteral(n) || t.isNoSubstitutionTemplateLiteral(n)) && n.text === '0') || (t.isNumericLiteral(n) && n.text === '0'));
  const returnsNothing = (fn: TS.Node | undefined): boolean => {
    if (!fn || !(t.isArrowFunction(fn) || t.isFunctionExpression(fn) || t.isMethodDeclaration(fn))) return false;
    const body = fn.body;
    if (!body) return false;
    if (!t.isBlock(body)) return body.kind === t.SyntaxKind.UndefinedKeyword || body.kind === t.SyntaxKind.NullKeyword || (t.isIdentifier(body) && body.text === 'undefined') || t.isVoidExpression(body);
    return body.statements.every((s) => t.isReturnStatement(s) && (!s.expression || s.expression.kind === t.SyntaxKind.NullKeyword || (t.isIdentifier(s.expression) && s.expression.text === 'undefined')));
  };
  const out: Directive[] = [];
  const check = (n: TS.Node): void => {
    if (t.isPropertyAssignment(n) || t.isShorthandPropertyAssignment(n) || t.isMethodDeclaration(n)) {
      const name = nameOf(n.name);
      const value = t.isPropertyAssignment(n) ? n.initializer : undefined;
      if (name === 'rejectUnauthorized' && isFalse(value)) out.push(fact('reject-unauthorized-false', file, lineOf(n), src(n)));
      if (name && ENV_OFF.has(name) && isZero(value)) out.push(fact('env-verify-off', file, lineOf(n), src(n)));
      if (name === 'checkServerIdentity' && returnsNothing(t.isMethodDeclaration(n) ? n : value)) out.push(fact('check-server-identity-noop', file, lineOf(n), src(n)));
    } else if (t.isBinaryExpression(n) && n.operatorToken.kind === t.SyntaxKind.EqualsToken) {
      const name = nameOf(n.left);
      if (name === 'rejectUnauthorized' && isFalse(n.right)) out.push(fact('reject-unauthorized-false', file, lineOf(n), src(n)));
      if (name && ENV_OFF.has(name) && isZero(n.right)) out.push(fact('env-verify-off', file, lineOf(n), src(n)));
      if (name === 'checkServerIdentity' && returnsNothing(n.right)) out.push(fact('check-server-identity-noop', file, lineOf(n), src(n)));
    } else if (t.isNewExpression(n) && nameOf(n.expression) === 'Agent' && (!t.isPropertyAccessExpression(n.expression) || nameOf(n.expression.expression) === 'https')) {
      const options = n.arguments?.[0];
      const literal = options === undefined || t.isObjectLiteralExpression(options) ? options : undefined;
      // Only a literal can be judged; an options variable may carry `ca`.
      if (options === undefined || (literal && !literal.properties.some((p) => ['ca', 'rejectUnauthorized'].includes(nameOf(p.name) ?? '') || t.isSpreadAssignment(p)))) out.push(fact('agent-without-ca', file, lineOf(n), src(n)));
    }
  };
  // Iterative walk: the tree of a hostile file can be deeper than the stack.
  const stack: { node: TS.Node; depth: number }[] = [{ node: sf, depth: 0 }];
  let visited = 0;
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (++visited > MAX_SYNTAX_NODES) throw parseError(file, lineOf(node), `more than ${MAX_SYNTAX_NODES} syntax nodes`);
    check(node);
    if (depth > MAX_SYNTAX_DEPTH) throw parseError(file, lineOf(node), `syntax nested deeper than ${MAX_SYNTAX_DEPTH}`);
    const children: TS.Node[] = [];
    node.forEachChild((c) => {
      children.push(c);
    });
    for (let i = children.length - 1; i >= 0; i--) stack.push({ node: children[i]!, depth: depth + 1 });
  }
  return out.sort((a, b) => a.line - b.line);
}
