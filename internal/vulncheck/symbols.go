package vulncheck

import (
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"errors"
)

// hasSymbols says whether the executable at path has a symbol table,
// which govulncheck needs to tell the functions compiled in: go build -s
// (-ldflags=-s) leaves it out.
func hasSymbols(path string) (bool, error) {
	if f, err := elf.Open(path); err == nil {
		defer f.Close()
		return f.Section(".symtab") != nil, nil
	}
	if f, err := macho.Open(path); err == nil {
		defer f.Close()
		return f.Symtab != nil && len(f.Symtab.Syms) > 0, nil
	}
	if f, err := pe.Open(path); err == nil {
		defer f.Close()
		return len(f.Symbols) > 0, nil
	}
	return false, errors.New("not an ELF, Mach-O or PE executable")
}
