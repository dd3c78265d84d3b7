// Package prompts renders the prompts looper sends to agents.
//
// The templates are embedded in the binary (templates/*.txt), so a fresh
// project needs nothing on disk. A project can override any of them by
// putting a file of the same name in its prompts/ directory; files written
// for upstream looper (iteration.txt, review.txt, bootstrap.txt, repair.txt)
// keep working because the template variables are the same.
//
// Rendering is strict: a template that refers to a variable that does not
// exist, or a prompt whose required variables are empty, is an error. Such
// an error is returned, never sent to an agent as if it were a prompt.
//
// Every embedded prompt ends with a context block of "- key: value" lines
// (mode, task_id, todo_path, ...), which tools such as the fake agent read.
package prompts
