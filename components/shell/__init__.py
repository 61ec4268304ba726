"""The app's frame around every page: session state and the page guard, sign-in, the menu, the shared
sidebar and widgets, the shared engine and settings (``runtime``), and the background alert checks."""
