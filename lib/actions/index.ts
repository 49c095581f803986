export { fieldErrorsOf, type ActionResult } from "./result";
