/** The looks every screenshot spec takes: the two themes, and presenter mode (large type for a projector). */
export const VIEW_MODES = [
  { name: 'light', colorScheme: 'light', presenter: false },
  { name: 'dark', colorScheme: 'dark', presenter: false },
  { name: 'presenter', colorScheme: 'light', presenter: true },
] as const;

/** The window sizes the issues name: a small laptop and a common desktop. */
export const SCREEN_SIZES = [
  { width: 1024, height: 640 },
  { width: 1440, height: 900 },
] as const;
