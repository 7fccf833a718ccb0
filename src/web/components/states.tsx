// What a view shows while it loads, when the server said no, and when there is nothing to show.
import type { ComponentChildren } from "preact";

export function Loading({ height = 120 }: { height?: number }) {
  return <div class="skeleton" style={{ height }} aria-busy="true" />;
}

export function ErrorBox({ message }: { message: string }) {
  return <div class="error-box" role="alert">{message}</div>;
}

export function Empty({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="empty">
      <strong>{title}</strong>
      {children}
    </div>
  );
}

export function Panel({ title, actions, children, flush, class: cls }: { title?: ComponentChildren; actions?: ComponentChildren; children: ComponentChildren; flush?: boolean; class?: string }) {
  return (
    <section class={`panel${cls ? ` ${cls}` : ""}`}>
      {(title !== undefined || actions !== undefined) && (
        <header>
          <h2>{title}</h2>
          {actions}
        </header>
      )}
      <div class={`body${flush ? " flush" : ""}`}>{children}</div>
    </section>
  );
}

export function PageHead({ title, sub, crumbs, actions }: { title: ComponentChildren; sub?: ComponentChildren; crumbs?: ComponentChildren; actions?: ComponentChildren }) {
  return (
    <div class="page-head">
      <div>
        {crumbs && <div class="crumbs">{crumbs}</div>}
        <h1>{title}</h1>
        {sub && <div class="sub">{sub}</div>}
      </div>
      {actions && <div class="row">{actions}</div>}
    </div>
  );
}
