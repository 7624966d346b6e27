/** `{{ name }}`-style placeholders; a name is anything between the braces, trimmed. */
const PLACEHOLDER = /\{\{\s*([^{}]+?)\s*\}\}/g;

export interface TemplateRecipient {
  phone: string;
  name: string | null;
  variables: unknown;
}

/** The distinct variable names a template uses, in the order they first appear. */
export function templateVariables(template: string): string[] {
  const seen = new Map<string, string>();
  for (const match of template.matchAll(PLACEHOLDER)) {
    const key = match[1];
    if (!seen.has(key.toLowerCase())) seen.set(key.toLowerCase(), key);
  }
  return [...seen.values()];
}

/**
 * A recipient's value for a variable: `phone` and `name` are the recipient's own fields, anything
 * else its CSV columns (matched without regard to case). Empty counts as missing.
 */
export function valueOf(key: string, recipient: TemplateRecipient): string | undefined {
  const lower = key.toLowerCase();
  if (lower === 'phone') return recipient.phone;
  const vars =
    recipient.variables && typeof recipient.variables === 'object'
      ? (recipient.variables as Record<string, unknown>)
      : {};
  const found =
    lower === 'name'
      ? recipient.name
      : (vars[key] ?? Object.entries(vars).find(([k]) => k.toLowerCase() === lower)?.[1]);
  return found === undefined || found === null || found === '' ? undefined : String(found);
}

/** The variables of `names` this recipient has no value for. */
export function missingVariables(names: string[], recipient: TemplateRecipient): string[] {
  return names.filter((name) => valueOf(name, recipient) === undefined);
}

/** The message text for one recipient; a missing variable renders as nothing. */
export function renderTemplate(template: string, recipient: TemplateRecipient): string {
  return template.replace(PLACEHOLDER, (_all, key: string) => valueOf(key, recipient) ?? '');
}
