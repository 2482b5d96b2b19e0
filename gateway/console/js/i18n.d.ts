// Types of the console's browser module, for the Node tests that import it.
export type Lang = 'zh-CN' | 'en';
export const DICTIONARIES: Readonly<Record<Lang, Readonly<Record<string, string>>>>;
export function initialLang(): Lang;
export function setLang(lang: Lang, remember: boolean): void;
export function lang(): Lang;
export function t(key: string, params?: Record<string, string | number>): string;
export function tn(key: string, count: number, params?: Record<string, string | number>): string;
