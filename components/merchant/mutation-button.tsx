"use client";

import type { ReactNode } from "react";

type Props = {
  /** A react-query mutation without variables. */
  mutation: { mutate: () => void; isPending: boolean };
  className: string | undefined;
  testId?: string;
  children: ReactNode;
};

/** A button that runs the mutation, disabled while it runs so a second click cannot send it twice. */
export function MutationButton({ mutation, className, testId, children }: Props) {
  return (
    <button
      type="button"
      className={className}
      onClick={() => mutation.mutate()}
      disabled={mutation.isPending}
      data-testid={testId}
    >
      {children}
    </button>
  );
}
