// Form controls with their label and validation message, so every input is labelled and an error sits
// next to the field it is about (linked with aria-describedby).
import type { Child } from 'hono/jsx';

export type FieldErrors = Record<string, string>;

const idOf = (name: string) => `f-${name.replace(/[^\w-]/g, '_')}`;

interface Common {
  name: string;
  label: string;
  errors?: FieldErrors | undefined;
  hint?: Child;
}

function Wrap({ name, label, errors, hint, children, id }: Common & { id: string; children: Child }) {
  const error = errors?.[name];
  return (
    <div class={error ? 'field invalid' : 'field'}>
      <label for={id}>{label}</label>
      {children}
      {hint && (
        <small class="hint" id={`${id}-hint`}>
          {hint}
        </small>
      )}
      {error && (
        <small class="error" id={`${id}-error`} role="alert">
          {error}
        </small>
      )}
    </div>
  );
}

function describedBy(id: string, error: string | undefined, hint: Child | undefined): string | undefined {
  const ids = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean);
  return ids.length ? ids.join(' ') : undefined;
}

export function TextField(
  props: Common & { value?: string | number | null | undefined; type?: string; required?: boolean; placeholder?: string; step?: string; autocomplete?: string },
) {
  const id = idOf(props.name);
  const error = props.errors?.[props.name];
  return (
    <Wrap {...props} id={id}>
      <input
        id={id}
        name={props.name}
        type={props.type ?? 'text'}
        value={props.value === null || props.value === undefined ? '' : String(props.value)}
        required={props.required}
        placeholder={props.placeholder}
        step={props.step}
        autocomplete={props.autocomplete}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={describedBy(id, error, props.hint)}
      />
    </Wrap>
  );
}

export function TextArea(props: Common & { value?: string | null | undefined; rows?: number; required?: boolean }) {
  const id = idOf(props.name);
  const error = props.errors?.[props.name];
  return (
    <Wrap {...props} id={id}>
      <textarea id={id} name={props.name} rows={props.rows ?? 6} required={props.required} aria-invalid={error ? 'true' : undefined} aria-describedby={describedBy(id, error, props.hint)}>
        {props.value ?? ''}
      </textarea>
    </Wrap>
  );
}

export function SelectField(props: Common & { value?: string | null | undefined; options: Array<{ value: string; label: string }>; empty?: string }) {
  const id = idOf(props.name);
  const error = props.errors?.[props.name];
  return (
    <Wrap {...props} id={id}>
      <select id={id} name={props.name} aria-invalid={error ? 'true' : undefined} aria-describedby={describedBy(id, error, props.hint)}>
        {props.empty !== undefined && <option value="">{props.empty}</option>}
        {props.options.map((o) => (
          <option value={o.value} selected={o.value === props.value}>
            {o.label}
          </option>
        ))}
      </select>
    </Wrap>
  );
}

export function CheckboxField(props: Common & { checked: boolean; attrs?: Record<string, string> }) {
  const id = idOf(props.name);
  const error = props.errors?.[props.name];
  return (
    <div class={error ? 'field check invalid' : 'field check'}>
      <input id={id} type="checkbox" name={props.name} value="true" checked={props.checked} {...props.attrs} aria-describedby={describedBy(id, error, props.hint)} />
      <label for={id}>{props.label}</label>
      {props.hint && (
        <small class="hint" id={`${id}-hint`}>
          {props.hint}
        </small>
      )}
      {error && (
        <small class="error" id={`${id}-error`} role="alert">
          {error}
        </small>
      )}
    </div>
  );
}

/** Errors that belong to no field of the form, shown above it. */
export function FormErrors({ errors, fields }: { errors: FieldErrors; fields: string[] }) {
  const rest = Object.entries(errors).filter(([name]) => !fields.includes(name));
  if (rest.length === 0) return null;
  return (
    <div class="alert" role="alert">
      <ul>
        {rest.map(([name, message]) => (
          <li>{name === '' ? message : `${name}: ${message}`}</li>
        ))}
      </ul>
    </div>
  );
}
