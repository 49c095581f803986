"use client";

import { signOut } from "next-auth/react";
import { Button } from "@/components/ui/button";

export function LogoutButton() {
  return (
    <Button variant="secondary" type="button" onClick={() => signOut({ callbackUrl: "/login" })}>
      Выход
    </Button>
  );
}
