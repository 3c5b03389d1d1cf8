package web

import (
	"bytes"
	"fmt"
	"os"
	"sync"

	"codeberg.org/go-pdf/fpdf"
	qrcode "github.com/skip2/go-qrcode"

	"shequ"
	"shequ/internal/i18n"
)

// The 志愿服务记录证明 as a PDF (issue 17), written with fpdf and a CJK
// TrueType font embedded (subset) in the file: the font is read once from
// SHEQU_PDF_FONT, by default Debian's fonts-lxgw-wenkai (the Noto .ttc
// collections cannot be embedded by fpdf). The certificate carries its
// verification code and a QR code of the public page that checks it.

// defaultPDFFont is the font of the certificates when SHEQU_PDF_FONT is unset.
const defaultPDFFont = "/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf"

var (
	pdfFontOnce sync.Once
	pdfFont     []byte
	pdfFontErr  error
)

// certificateFont returns the bytes of the certificates' font.
func certificateFont() ([]byte, error) {
	pdfFontOnce.Do(func() {
		path := os.Getenv("SHEQU_PDF_FONT")
		if path == "" {
			path = defaultPDFFont
		}
		pdfFont, pdfFontErr = os.ReadFile(path)
		if pdfFontErr != nil {
			pdfFontErr = shequ.Errorf(shequ.EUnavailable, "certificate.font", "The certificate font is not installed: %v", pdfFontErr)
		}
	})
	return pdfFont, pdfFontErr
}

// certificatePDF writes c as a PDF; verify is the URL of its check.
func certificatePDF(l *i18n.Localizer, c *shequ.Certificate, verify string) ([]byte, error) {
	font, err := certificateFont()
	if err != nil {
		return nil, err
	}
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.AddUTF8FontFromBytes("cjk", "", font)
	pdf.SetTitle(c.Number, true)
	pdf.AddPage()
	pdf.SetFont("cjk", "", 22)
	pdf.CellFormat(0, 16, l.T("certificate.pdf.title"), "", 1, "C", false, 0, "")
	pdf.SetFont("cjk", "", 11)
	pdf.CellFormat(0, 8, l.T("certificate.number")+"："+c.Number, "", 1, "R", false, 0, "")
	pdf.Ln(4)
	pdf.SetFont("cjk", "", 13)
	body := l.T("certificate.pdf.body", map[string]any{"Name": c.Name, "ID": c.IDMasked,
		"From": c.From.In(shequ.Shanghai).Format("2006年1月2日"), "To": c.To.In(shequ.Shanghai).Format("2006年1月2日"),
		"Records": c.Records, "Hours": shequ.HoursText(c.Minutes)})
	pdf.MultiCell(0, 9, body, "", "L", false)
	pdf.Ln(3)
	pdf.SetFont("cjk", "", 12)
	for _, k := range shequ.ServiceCategories {
		if n, ok := c.Categories[k]; ok {
			pdf.CellFormat(0, 8, fmt.Sprintf("· %s：%s %s", l.T("opportunity.category."+string(k)), shequ.HoursText(n),
				l.T("unit.hours")), "", 1, "L", false, 0, "")
		}
	}
	if len(c.Organizers) > 0 {
		pdf.MultiCell(0, 8, l.T("certificate.pdf.organizers")+"："+joinComma(c.Organizers), "", "L", false)
	}
	pdf.Ln(4)
	pdf.MultiCell(0, 8, l.T("certificate.pdf.rules"), "", "L", false)
	pdf.Ln(6)
	pdf.CellFormat(0, 8, c.IssuedBy, "", 1, "R", false, 0, "")
	pdf.CellFormat(0, 8, c.IssuedAt.In(shequ.Shanghai).Format("2006年1月2日"), "", 1, "R", false, 0, "")
	png, err := qrcode.Encode(verify, qrcode.Medium, 256)
	if err != nil {
		return nil, shequ.Wrap(err, "QR code")
	}
	pdf.RegisterImageOptionsReader("verify", fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(png))
	y := pdf.GetY() + 6
	pdf.ImageOptions("verify", 20, y, 36, 36, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	pdf.SetXY(60, y+4)
	pdf.SetFont("cjk", "", 11)
	pdf.MultiCell(0, 7, l.T("certificate.pdf.verify")+"\n"+l.T("certificate.code")+"："+c.Code+"\n"+verify, "", "L", false)
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, shequ.Wrap(err, "write certificate")
	}
	return buf.Bytes(), nil
}

// joinComma joins names with the Chinese enumeration comma.
func joinComma(names []string) string {
	var b bytes.Buffer
	for i, n := range names {
		if i > 0 {
			b.WriteString("、")
		}
		b.WriteString(n)
	}
	return b.String()
}
