/** The journal's queries: the retry button invalidates them all, whichever page is shown. */
export const JOURNAL_KEY = ["journal"] as const;

export const journalPageKey = (page: number) => [...JOURNAL_KEY, page] as const;
