import common from "./common.json";
import home from "./home.json";
import login from "./login.json";
import cabinet from "./cabinet.json";
import phones from "./phones.json";
import asterisk from "./asterisk.json";
import crm from "./crm.json";
import api from "./api.json";
import snippets from "./snippets.json";
import calls from "./calls.json";
import overview from "./overview.json";
import validation from "./validation.json";
import crmErrors from "./crmErrors.json";
import crmTexts from "./crmTexts.json";
import transcripts from "./transcripts.json";

import type { Messages } from "../index";

/** English, for Simla.com users: the same keys as Russian. */
const en: Messages = {
  common,
  home,
  login,
  cabinet,
  phones,
  asterisk,
  crm,
  api,
  snippets,
  calls,
  overview,
  validation,
  crmErrors,
  crmTexts,
  transcripts,
};

export default en;
