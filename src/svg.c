/* svg.c: the timeline as SVG text (svg.h). Bars carry a CSS class per
 * status instead of a fill each, and their tooltips are plain <title>
 * elements: 10,000 attempts make about 3 MB that a browser draws in well
 * under the 2 s a user waits, with no script. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "svg.h"

/* Colours that stay apart for the common colour blindnesses: ok green,
 * failed red, timeout orange, killed purple, host_lost grey, output_lost
 * yellow (Tableau 10's hues). */
static const struct {
	enum job_status st;
	const char *fill;
} palette[] = {
	{ JOB_OK, "#59a14f" },
	{ JOB_FAILED, "#e15759" },
	{ JOB_TIMEOUT, "#f28e2b" },
	{ JOB_KILLED, "#b07aa1" },
	{ JOB_HOST_LOST, "#79706e" },
	{ JOB_OUTPUT_LOST, "#edc948" },
};
#define NPALETTE (sizeof palette / sizeof palette[0])

const char *
svg_status_class(enum job_status st)
{
	return job_status_name(st);
}

/* The length of the well-formed UTF-8 sequence at s (Unicode table 3-7),
 * or 0 when there is none. */
static size_t
utf8_len(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len;
	uint32_t c, min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		len = 2, c = s[0] & 0x1F, min = 0x80;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		len = 3, c = s[0] & 0x0F, min = 0x800;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		len = 4, c = s[0] & 0x07, min = 0x10000;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return len;
}

void
svg_escape(struct buf *b, const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), chars = 0;

	for (size_t i = 0; i < n; chars++) {
		uint32_t cp;
		size_t len = utf8_len(p + i, n - i, &cp);
		if (chars == max) {
			buf_adds(b, "\xe2\x80\xa6");   /* … */
			return;
		}
		if (len == 0 || (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') ||
		    cp == 0xFFFE || cp == 0xFFFF) {
			buf_adds(b, "\xef\xbf\xbd");   /* U+FFFD */
			i += len ? len : 1;
			continue;
		}
		switch (cp) {
		case '&': buf_adds(b, "&amp;"); break;
		case '<': buf_adds(b, "&lt;"); break;
		case '>': buf_adds(b, "&gt;"); break;
		case '"': buf_adds(b, "&quot;"); break;
		case '\'': buf_adds(b, "&#39;"); break;
		case '\n': buf_adds(b, "&#10;"); break;
		case '\r': buf_adds(b, "&#13;"); break;
		default: buf_add(b, p + i, len); break;
		}
		i += len;
	}
}

static void
put_text(FILE *fp, const char *s, size_t max)
{
	struct buf b = BUF_INIT;

	svg_escape(&b, s, max);
	fputs(buf_cstr(&b), fp);
	buf_free(&b);
}

static void
put_style(FILE *fp, const struct timeline *tl)
{
	fputs("<style>\n"
	    "text{font-family:sans-serif;font-size:11px;fill:#333}\n"
	    ".title{font-size:14px;font-weight:bold}\n"
	    ".sub{fill:#555}\n"
	    ".band{fill:#f3f3f3}\n"
	    ".grid{stroke:#ddd;stroke-width:1}\n"
	    ".axis{stroke:#888;stroke-width:1}\n"
	    ".util{fill:#4e79a7;fill-opacity:.35;stroke:#4e79a7;stroke-width:1}\n"
	    ".b:hover{stroke:#000;stroke-width:1}\n"
	    ".slot{font-size:9px;fill:#999}\n", fp);
	/* A hairline between touching bars, while rows are tall enough that it
	 * does not wash the colour out. */
	if (tl->row_h >= 6)
		fputs(".b{stroke:#fff;stroke-width:.5}\n", fp);
	for (size_t i = 0; i < NPALETTE; i++)
		fprintf(fp, ".%s{fill:%s}\n", svg_status_class(palette[i].st), palette[i].fill);
	fputs("</style>\n", fp);
}

static void
put_header(FILE *fp, const struct runlog *rl, const struct timeline *tl,
    const char *subtitle)
{
	size_t count[NPALETTE] = { 0 };
	double x = tl->plot_x;

	fprintf(fp, "<text class=\"title\" x=\"10\" y=\"20\">pfan run %u of %u: ",
	    rl->run, rl->nruns);
	put_text(fp, rl->cmdline != NULL ? rl->cmdline : "(no header)", 140);
	fputs("</text>\n<text class=\"sub\" x=\"10\" y=\"38\">", fp);
	put_text(fp, subtitle, 200);
	fputs("</text>\n", fp);
	for (size_t i = 0; i < tl->nbars; i++)
		for (size_t k = 0; k < NPALETTE; k++)
			if (rl->a[tl->bars[i].attempt].status == palette[k].st)
				count[k]++;
	for (size_t k = 0; k < NPALETTE; k++) {
		const char *name = svg_status_class(palette[k].st);
		fprintf(fp, "<rect class=\"%s\" x=\"%.1f\" y=\"46\" width=\"10\" height=\"10\"/>"
		    "<text x=\"%.1f\" y=\"55\">%s %zu</text>\n", name, x, x + 14, name, count[k]);
		x += 34 + 6.5 * (double)(strlen(name) + (size_t)snprintf(NULL, 0, "%zu", count[k]));
	}
}

/* Alternate shading per host, then (over all of it) its name where there
 * is room: when hosts are thinner than a line of text, only every k-th is
 * named. */
static void
put_rows(FILE *fp, const struct runlog *rl, const struct timeline *tl)
{
	double last_label = -1e9;
	/* Rows tall enough for text get their slot number too. */
	bool slots = tl->row_h >= 11;

	for (int pass = 0; pass < 2; pass++)
		for (size_t r = 0, h = 0; r < tl->nrows; h++) {
			size_t end = r;
			double y0 = tl->rows[r].y, hh, mid;
			while (end < tl->nrows && tl->rows[end].host == tl->rows[r].host)
				end++;
			hh = (double)(end - r) * tl->row_h;
			mid = y0 + hh / 2;
			if (pass == 0 && h % 2 == 0)
				fprintf(fp, "<rect class=\"band\" x=\"0\" y=\"%.2f\" width=\"%.1f\" "
				    "height=\"%.2f\"/>\n", y0, tl->width, hh);
			if (pass == 1 && mid - last_label >= 14) {
				last_label = mid;
				fprintf(fp, "<text x=\"%.1f\" y=\"%.2f\" text-anchor=\"end\" "
				    "dominant-baseline=\"central\">", tl->plot_x - (slots ? 22 : 6), mid);
				put_text(fp, rl->hosts[tl->rows[r].host].name, 24);
				fputs("</text>\n", fp);
			}
			for (size_t k = r; pass == 1 && slots && k < end; k++)
				fprintf(fp, "<text class=\"slot\" x=\"%.1f\" y=\"%.2f\" "
				    "text-anchor=\"end\" dominant-baseline=\"central\">%u</text>\n",
				    tl->plot_x - 4, tl->rows[k].y + tl->row_h / 2, tl->rows[k].slot);
			r = end;
		}
}

static void
put_axis(FILE *fp, const struct timeline *tl)
{
	double y = tl->plot_y + tl->plot_h;

	for (size_t i = 0; i < tl->nticks; i++)
		fprintf(fp, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
		    "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
		    tl->ticks[i].x, tl->plot_y, tl->ticks[i].x, y + 4, tl->ticks[i].x,
		    y + 16, tl->ticks[i].label);
	fprintf(fp, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
	    tl->plot_x, y, tl->plot_x + tl->plot_w, y);
	fprintf(fp, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" class=\"sub\">"
	    "time since the first start</text>\n", tl->plot_x + tl->plot_w, y + 29);
}

static void
put_bars(FILE *fp, const struct runlog *rl, const struct timeline *tl)
{
	struct buf t = BUF_INIT;

	for (size_t i = 0; i < tl->nbars; i++) {
		const struct tl_bar *b = &tl->bars[i];
		const struct rl_attempt *a = &rl->a[b->attempt];
		buf_reset(&t);
		svg_escape(&t, a->cmd, 300);
		buf_adds(&t, "&#10;");
		svg_escape(&t, rl->hosts[a->host].name, 100);
		buf_addf(&t, " slot %u, job %llu attempt %u&#10;%s", a->slot, a->seq,
		    a->attempt, job_status_name(a->status));
		if (a->exit_code >= 0)
			buf_addf(&t, ", exit %d", a->exit_code);
		if (a->signal > 0)
			buf_addf(&t, ", signal %d", a->signal);
		buf_addf(&t, ", %.3f s", a->runtime);
		fprintf(fp, "<rect class=\"b %s\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
		    "height=\"%.2f\"><title>%s</title></rect>\n", svg_status_class(a->status),
		    b->x, b->y, b->w, b->h, buf_cstr(&t));
	}
	buf_free(&t);
}

static void
put_util(FILE *fp, const struct timeline *tl)
{
	double y1 = tl->util_y + tl->util_h, dx = tl->plot_w / (double)tl->nutil;

	fprintf(fp, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
	    "fill=\"#fafafa\" stroke=\"#ccc\"/>\n", tl->plot_x, tl->util_y, tl->plot_w,
	    tl->util_h);
	fprintf(fp, "<path class=\"util\" d=\"M%.1f %.1f", tl->plot_x, y1);
	for (size_t c = 0; c < tl->nutil; c++) {
		double y = y1 - tl->util[c] * tl->util_h;
		fprintf(fp, "L%.1f %.1fL%.1f %.1f", tl->plot_x + (double)c * dx, y,
		    tl->plot_x + (double)(c + 1) * dx, y);
	}
	fprintf(fp, "L%.1f %.1fZ\"/>\n", tl->plot_x + tl->plot_w, y1);
	fprintf(fp, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">100%%</text>"
	    "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">0%%</text>"
	    "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" class=\"sub\">slots busy</text>\n",
	    tl->plot_x - 6, tl->util_y + 9, tl->plot_x - 6, y1, tl->plot_x - 6,
	    tl->util_y + tl->util_h / 2 + 4);
}

static void
put_svg(FILE *fp, const struct runlog *rl, const struct timeline *tl,
    const char *subtitle)
{
	fprintf(fp, "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"timeline\" "
	    "width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\">\n",
	    tl->width, tl->height, tl->width, tl->height);
	put_style(fp, tl);
	fprintf(fp, "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n");
	put_header(fp, rl, tl, subtitle);
	put_rows(fp, rl, tl);
	put_axis(fp, tl);
	put_bars(fp, rl, tl);
	put_util(fp, tl);
	fputs("</svg>\n", fp);
}

/* Zoom by resizing the SVG (its viewBox keeps the drawing whole). */
static const char zoom_script[] =
    "<script>\n"
    "(function(){var s=document.getElementById('timeline'),"
    "w=+s.getAttribute('width'),h=+s.getAttribute('height'),z=1;\n"
    "function set(n){z=Math.min(40,Math.max(0.25,n));"
    "s.setAttribute('width',w*z);s.setAttribute('height',h*z);"
    "document.getElementById('z').textContent=Math.round(z*100)+'%';}\n"
    "document.getElementById('in').onclick=function(){set(z*1.5);};\n"
    "document.getElementById('out').onclick=function(){set(z/1.5);};\n"
    "document.getElementById('fit').onclick=function(){set(1);};\n"
    "s.addEventListener('wheel',function(e){if(!e.ctrlKey)return;"
    "e.preventDefault();set(e.deltaY<0?z*1.2:z/1.2);},{passive:false});})();\n"
    "</script>\n";

void
svg_write(FILE *fp, const struct runlog *rl, const struct timeline *tl,
    const char *subtitle, bool html)
{
	if (!html) {
		fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", fp);
		put_svg(fp, rl, tl, subtitle);
		return;
	}
	fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n<title>pfan run ", fp);
	fprintf(fp, "%u of %u</title>\n", rl->run, rl->nruns);
	fputs("<style>body{margin:0;font-family:sans-serif}"
	    "#bar{padding:4px 10px;background:#eee;position:sticky;top:0;left:0}"
	    "#bar button{min-width:2.5em}</style>\n</head><body>\n"
	    "<div id=\"bar\"><button id=\"out\">&minus;</button> <span id=\"z\">100%</span> "
	    "<button id=\"in\">+</button> <button id=\"fit\">1:1</button> "
	    "(Ctrl+wheel zooms; hover a bar for its job)</div>\n", fp);
	put_svg(fp, rl, tl, subtitle);
	fputs(zoom_script, fp);
	fputs("</body></html>\n", fp);
}
