import createDOMPurify, { type Config } from 'dompurify';
import { Lexer, Marked, Parser, type Tokens } from 'marked';
import { mayKeepHref } from './link-policy.ts';

export interface GuideCodeBlock {
  language: string;
  code: string;
}

export interface RenderedGuide {
  html: string;
  /** In document order, one per slot element in html. */
  blocks: GuideCodeBlock[];
  slotClass: string;
}

const REMOTE_URL = /^(?:[a-z][a-z0-9+.-]*:|\/\/)/i;

const purifier = createDOMPurify(window);

// Lab text is trusted-ish data, but it is still never allowed to run code or reach the network by itself:
// remote images, frames, forms and inline styles would all fetch or act without the attendee asking.
purifier.addHook('uponSanitizeElement', (node, data) => {
  if (data.tagName !== 'img' || !(node instanceof Element)) return;
  const src = node.getAttribute('src') ?? '';
  if (!/^data:image\/(?:png|gif|jpeg|webp);/i.test(src)) {
    const alt = node.getAttribute('alt');
    node.replaceWith(node.ownerDocument.createTextNode(alt ? `[image: ${alt}]` : ''));
  }
});

// Links follow the one link policy (lib/link-policy.ts): only in-page anchors and web links keep an href,
// on anchors and image-map areas alike; web links are marked so the link guard can take them over.
purifier.addHook('afterSanitizeAttributes', (node) => {
  if (!(node instanceof Element)) return;
  node.removeAttribute('target');
  if (!node.hasAttribute('href')) return;
  const href = node.getAttribute('href') ?? '';
  if ((node.tagName !== 'A' && node.tagName !== 'AREA') || !mayKeepHref(href)) {
    node.removeAttribute('href');
    return;
  }
  if (href.trim().startsWith('#')) return;
  node.setAttribute('target', '_blank');
  node.setAttribute('rel', 'noopener noreferrer');
  node.setAttribute('data-external', 'true');
});

const sanitizeConfig: Config = {
  FORBID_TAGS: ['style', 'iframe', 'frame', 'object', 'embed', 'form', 'input', 'button', 'textarea', 'select', 'link', 'meta', 'base', 'video', 'audio', 'source', 'picture', 'svg', 'math', 'template'],
  FORBID_ATTR: ['style', 'srcset', 'ping', 'background', 'poster', 'formaction', 'xlink:href'],
  ALLOW_DATA_ATTR: false,
};

export function sanitizeHtml(html: string): string {
  return purifier.sanitize(html, { ...sanitizeConfig, RETURN_TRUSTED_TYPE: false }) as string;
}

/** Markdown to sanitized HTML, without splitting out code blocks (hints, solutions, summaries). */
export function renderMarkdown(markdown: string): string {
  return sanitizeHtml(Parser.parse(Lexer.lex(markdown, { gfm: true }), { gfm: true }));
}

/**
 * Markdown to sanitized HTML in which every code block, also those nested in lists, is replaced by an empty
 * slot element; the guide mounts a CodeBlock component (Copy, Run, Open in editor) into each slot. The slot
 * class carries a random nonce so text written by a lab author can never create or move a slot.
 */
export function renderGuide(markdown: string): RenderedGuide {
  const slotClass = `labdeck-slot-${Math.random().toString(36).slice(2, 10)}`;
  const blocks: GuideCodeBlock[] = [];
  const renderer = new Marked({ gfm: true }).use({
    renderer: {
      // The guide's own title is the page's h2; headings written in lab text sit below it, so screen reader
      // users get an outline where a lab's "# Title" does not compete with the step title.
      heading(token: Tokens.Heading) {
        const level = Math.min(6, token.depth + 2);
        return `<h${level}>${this.parser.parseInline(token.tokens)}</h${level}>\n`;
      },
      code(token: Tokens.Code) {
        blocks.push({ language: (token.lang ?? '').trim().split(/\s+/)[0]?.toLowerCase() ?? '', code: token.text });
        return `<div class="${slotClass}"></div>`;
      },
    },
  });
  const html = sanitizeHtml(renderer.parse(markdown, { async: false }));
  return { html, blocks, slotClass };
}

export function isRemoteUrl(url: string): boolean {
  return REMOTE_URL.test(url);
}

const SHELL_LANGUAGES = new Set(['bash', 'sh', 'shell', 'console', 'zsh']);

/** Shell code runs in the terminal; a `$ ` prompt prefix, if the author wrote one, is dropped first. */
export function runnableCommand(language: string, code: string): string | null {
  if (!SHELL_LANGUAGES.has(language)) return null;
  return code
    .split('\n')
    .map((line) => line.replace(/^\s*\$\s+/, ''))
    .join('\n')
    .trim();
}

/** YAML that declares Kubernetes objects opens in the editor. */
export function isManifest(language: string, code: string): boolean {
  return (language === 'yaml' || language === 'yml') && /^apiVersion:/m.test(code) && /^kind:/m.test(code);
}

const headingText = (text: string) => text.replace(/[`*_]/g, '').replace(/\s+/g, ' ').trim().toLowerCase();

/**
 * The step text without a leading heading that only repeats the step's title (the guide shows that title
 * already, as the page's h2). A leading heading that says something else stays.
 */
export function withoutRepeatedTitle(markdown: string, title: string): string {
  const first = Lexer.lex(markdown, { gfm: true }).find((token) => token.type !== 'space');
  if (first?.type !== 'heading' || headingText((first as Tokens.Heading).text) !== headingText(title)) return markdown;
  const start = markdown.indexOf(first.raw);
  return start < 0 ? markdown : markdown.slice(0, start) + markdown.slice(start + first.raw.length);
}
