import { redirect } from "next/navigation";

export default function CabinetIndex() {
  redirect("/cabinet/phones");
}
