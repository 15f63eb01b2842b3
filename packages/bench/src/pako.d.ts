// pako's types are declared once, beside the package that depends on it.
/// <reference path="../../supervisely/src/pako.d.ts" />
