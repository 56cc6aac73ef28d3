import type { Page } from '@playwright/test';

export interface LowContrast {
  text: string;
  ratio: number;
  color: string;
  background: string;
}

/**
 * WCAG 2 contrast of every visible text on the page, shadow roots included: the text colour
 * against the first opaque background up the tree (through shadow hosts). Normal text needs
 * 4.5:1, large text (24 px, or 18.66 px bold) 3:1. Returns the texts below their threshold.
 */
export function lowContrastTexts(page: Page): Promise<LowContrast[]> {
  return page.evaluate(() => {
    const parse = (css: string): [number, number, number, number] => {
      const m = css.match(/rgba?\(([^)]+)\)/);
      if (!m) return [0, 0, 0, 0];
      const parts = (m[1] as string)
        .split(/[ ,/]+/)
        .filter(Boolean)
        .map(Number);
      return [parts[0] ?? 0, parts[1] ?? 0, parts[2] ?? 0, parts[3] ?? 1];
    };
    const luminance = ([r, g, b]: number[]) => {
      const c = [r, g, b].map((v) => {
        const s = (v ?? 0) / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * (c[0] ?? 0) + 0.7152 * (c[1] ?? 0) + 0.0722 * (c[2] ?? 0);
    };
    const parentOf = (el: Element): Element | null =>
      el.parentElement ?? ((el.getRootNode() as ShadowRoot).host as Element | undefined) ?? null;
    const backgroundOf = (el: Element): number[] => {
      for (let at: Element | null = el; at; at = parentOf(at)) {
        const bg = parse(getComputedStyle(at).backgroundColor);
        if (bg[3] >= 0.99) return bg;
      }
      return [255, 255, 255, 1];
    };
    const out: { text: string; ratio: number; color: string; background: string }[] = [];
    const visit = (root: Document | ShadowRoot) => {
      for (const el of root.querySelectorAll('*')) {
        if (el.shadowRoot) visit(el.shadowRoot);
        const own = [...el.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE && n.textContent?.trim());
        if (own.length === 0) continue;
        const style = getComputedStyle(el);
        const box = (el as HTMLElement).getBoundingClientRect();
        if (box.width === 0 || box.height === 0 || style.visibility === 'hidden') continue;
        if ((el as HTMLButtonElement).disabled) continue; // WCAG exempts inactive controls
        const fg = parse(style.color);
        const bg = backgroundOf(el);
        const [l1, l2] = [luminance(fg), luminance(bg)].sort((a, b) => b - a) as [number, number];
        const ratio = (l1 + 0.05) / (l2 + 0.05);
        const size = Number.parseFloat(style.fontSize);
        const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
        if (ratio < (large ? 3 : 4.5))
          out.push({
            text: (own[0]?.textContent ?? '').trim().slice(0, 60),
            ratio: Math.round(ratio * 100) / 100,
            color: style.color,
            background: `rgb(${bg.slice(0, 3).join(', ')})`,
          });
      }
    };
    visit(document);
    return out;
  });
}
