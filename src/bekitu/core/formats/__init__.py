"""Date, time and number formats per language (settings.FORMAT_MODULE_PATH): every page,
the admin, the reports and their exports show a moment as 27.11.2026 18:04 in Kazakh and in
Russian. Django has no formats for Kazakh (it fell back to the English "Nov. 27, 2026,
6:04 p.m.") and writes Russian dates in words ("27 ноября 2026 г. 18:04")."""
