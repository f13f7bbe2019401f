package engine

import "strconv"

// For the external tests: the names a Version's container and image go by,
// and the tag a dev on this machine with pid would give an image.
const DevRepository = devRepository

func (v *Version) ContainerName() string { return v.ctr.name }

func DevTagOf(pid int, id string) string {
	return strconv.Itoa(pid) + "-" + hostTag() + "-" + id
}
