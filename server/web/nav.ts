// The console's navigation: one entry per page module registered in console.ts (CRM and chats pages
// add theirs there when those capabilities land).
export interface NavEntry {
  href: string;
  label: string;
}
