// Imported first by main.ts: the console filter is in place before any dependency can print.
import { installConsoleFilter } from './console-filter';

installConsoleFilter();
